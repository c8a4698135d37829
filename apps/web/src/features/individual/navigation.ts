/** Sends this tab to Microsoft's sign-in page (a full navigation: Microsoft redirects back). */
export function leaveForMicrosoft(url: string): void {
  window.location.assign(url);
}
