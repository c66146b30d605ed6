// A counter bumped whenever something that decides what a user may see changes in this process
// (a user's sectors, profile or active flag; a profile's permissions). Open streams re-read the
// user only when it moved (or every few seconds, for changes made by another process), instead of
// querying the user for every stream on every event — the cost that dominated SSE fan-out.
let version = 0

export const accessChanged = () => {
  version++
}

export const accessVersion = () => version
