export const P = "/rest/api/3/mypermissions?issueKey=X&permissions=BROWSE_PROJECTS";
