// Every permission the app asks for at install time.
export const REQUIRED_PERMISSIONS = ["BROWSE_PROJECTS", "CREATE_ISSUES", "ADD_COMMENTS"] as const;
export type RequiredPermission = (typeof REQUIRED_PERMISSIONS)[number];
