import spock.lang.Specification

class KeysSpec extends Specification {
    def "the guard asks for the browse permission"() {
        expect:
        assert Guard.REQUIRED == "BROWSE_PROJECTS"
    }
}
