// A security's signs and holds now, read from its statuses of the day in order (the feed's
// Status messages, docs/market-data-web.md): signs posted and removed, halts and suspensions
// until a resume, the surveillance level, and the holds the order flow triggers (price band,
// auto pause) until their end.

/** The badges of a security now: [{text, kind, title}], `now` the latest exchange time seen. */
export function badges(statuses, now) {
  const signs = new Set();
  let level = 0;
  let paused = false;  // level 3's pause day, which the engine lifts below level 3 (7.2)
  const holds = new Map();
  for (const status of statuses ?? []) {
    switch (status.what) {
      case "sign":
        if (status.on) signs.add(status.value); else signs.delete(status.value);
        break;
      case "halt":
        signs.add("H");
        break;
      case "suspend":
        signs.add("SP");
        break;
      case "resume":
        signs.delete("H");
        signs.delete("SP");
        break;
      case "surveillance_pause":
        paused = true;
        break;
      case "surveillance_level":
        level = Number(status.value);
        if (level < 3) paused = false;
        break;
      case "dynamic_price_band":
      case "auto_pause":
        holds.set(status.what, status);
        break;
    }
  }
  if (paused) signs.add("P");
  const shown = [...signs].sort().map((sign) => ({
    text: sign, kind: ["H", "SP", "P"].includes(sign) ? "halt" : "", title: sign}));
  if (level) shown.push({text: `L${level}`, kind: "", title: `surveillance level ${level}`});
  for (const [what, status] of holds) {
    if (status.until && now && status.until <= now) continue;
    shown.push({text: what === "auto_pause" ? "AP" : "DPB", kind: "halt",
                title: `${what} ${status.value}` + (status.until ? ` → ${status.until.slice(11, 19)}` : "")});
  }
  return shown;
}

/** The circuit breaker's status while it holds the market, else null. */
export function breakerOn(statuses, now) {
  let breaker = null;
  for (const status of statuses ?? []) {
    if (status.what === "circuit_breaker") breaker = status.on ? status : null;
  }
  if (breaker && breaker.until && now && breaker.until <= now) return null;
  return breaker;
}
