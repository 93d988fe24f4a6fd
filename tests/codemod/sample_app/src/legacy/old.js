// ignored by src/legacy/.gitignore
fetch("/rest/api/3/mypermissions?issueKey=A-1&permissions=BROWSE_PROJECTS");
