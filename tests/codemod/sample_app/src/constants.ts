// Keys the app checks: the uses decide the context, so this is needs-review.
export const BROWSE = "BROWSE_PROJECTS";
export enum Perm {
  Browse = "BROWSE_PROJECTS",
  Edit = "EDIT_ISSUES",
}
