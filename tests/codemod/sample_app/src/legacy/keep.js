// re-included by `!keep.js` in the nested .gitignore
export const url = (key) => "/rest/api/2/mypermissions?projectKey=" + key + "&permissions=BROWSE_PROJECTS";
