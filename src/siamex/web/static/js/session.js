// Who is logged on in this tab: a trader's session token, or a risk officer's or operator's
// configured token. Kept in sessionStorage, so each tab is its own person (two traders can
// trade against each other from two tabs) and nothing outlives the tab.

const KEY = "siamex.session";
const listeners = new Set();

/** The session: {role: "trader"|"risk_officer"|"operator", token, member, trader, ors}. */
export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) || "null");
  } catch {
    return null;
  }
}

export function setSession(value) {
  if (value) sessionStorage.setItem(KEY, JSON.stringify(value));
  else sessionStorage.removeItem(KEY);
  for (const listener of listeners) listener(value);
}

export function onSession(listener) {
  listeners.add(listener);
}
