// Numbers as Thai trading screens show them, from the API's exact strings: prices and baht
// arrive as decimal strings ("32.25") and are only grouped, never turned into floats; change
// and percent change are computed in satang with BigInt (docs/console.md, "Numbers").

/** Satang (BigInt) of a decimal string of baht ("-1,234.5" -> -123450n); null for null. */
export function satang(text) {
  if (text === null || text === undefined || text === "") return null;
  const clean = String(text).replaceAll(",", "");
  const negative = clean.startsWith("-");
  const [whole, fraction = ""] = (negative ? clean.slice(1) : clean).split(".");
  const value = BigInt(whole || "0") * 100n + BigInt((fraction + "00").slice(0, 2));
  return negative ? -value : value;
}

/** Thousands separators on a string of digits. */
export function group(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** A decimal string of baht as shown: grouped, its decimals kept ("1234567.50" -> "1,234,567.50"). */
export function baht(text) {
  if (text === null || text === undefined) return "";
  const [whole, fraction] = String(text).split(".");
  const negative = whole.startsWith("-");
  const grouped = group(negative ? whole.slice(1) : whole);
  return (negative ? "-" : "") + grouped + (fraction === undefined ? "" : "." + fraction);
}

/** Satang (BigInt) as a grouped baht string with two decimals. */
export function fromSatang(value) {
  const negative = value < 0n;
  const size = negative ? -value : value;
  const text = `${group((size / 100n).toString())}.${(size % 100n).toString().padStart(2, "0")}`;
  return negative ? `-${text}` : text;
}

/** Shares or a count, grouped; "" for null. */
export function shares(count) {
  return count === null || count === undefined ? "" : group(String(count));
}

/** The change from `previous` to `last` (decimal strings): {change, percent, direction}, with
 * the percent rounded half away from zero to two decimals; null when either is missing. */
export function change(last, previous) {
  const now = satang(last);
  const before = satang(previous);
  if (now === null || before === null || before === 0n) return null;
  const moved = now - before;
  const size = moved < 0n ? -moved : moved;
  const hundredths = (size * 20000n / before + 1n) / 2n;  // per cent * 100, half up
  const percent = `${hundredths / 100n}.${(hundredths % 100n).toString().padStart(2, "0")}`;
  const sign = moved > 0n ? "+" : moved < 0n ? "-" : "";
  return {
    change: sign === "+" ? "+" + fromSatang(moved) : fromSatang(moved),
    percent: sign + percent,
    direction: moved > 0n ? "up" : moved < 0n ? "down" : "same",
  };
}

/** The class a price is coloured with: at the ceiling or floor first, then against the
 * previous close. */
export function priceClass(price, limits) {
  if (price === null || price === undefined || !limits) return "";
  const value = satang(price);
  if (limits.ceiling !== null && value === satang(limits.ceiling)) return "ceiling";
  if (limits.floor !== null && value === satang(limits.floor)) return "floor";
  const previous = satang(limits.prev_close);
  if (previous === null) return "";
  return value > previous ? "up" : value < previous ? "down" : "same";
}

/** The exchange's Bangkok time of day, "10:00:01", from the protocol's time string. */
export function clock(time) {
  return time ? time.slice(11, 19) : "";
}

/** Seconds since 1970 of a protocol time, shifted to Bangkok's wall clock for the charts (they
 * label their axis in UTC). */
export function chartTime(time) {
  return Math.floor(Date.parse(time.slice(0, 19) + "Z") / 1000);
}

/** A number for a chart's line from a decimal string: display only, never computed with. */
export function plotted(text) {
  return Number(String(text).replaceAll(",", ""));
}

/** The average price of a day: value / volume, to the satang, as baht. */
export function average(value, volume) {
  if (!volume) return null;
  return fromSatang(satang(value) / BigInt(volume));
}

/** The tick a price needs to be a multiple of is the exchange's business; this only says
 * whether a text is a price at all, as the web API's order bodies take one
 * (siamex.gateway.trading_bodies): positive, no leading zero, at most two decimals. */
export function isPrice(text) {
  return /^(0|[1-9]\d{0,11})(\.\d{1,2})?$/.test(text) && satang(text) > 0n;
}

/** Whether a text is an amount of baht as a risk limit takes one
 * (siamex.gateway.operations_bodies): 0 or more, no leading zero, at most two decimals. */
export function isMoney(text) {
  return /^(0|[1-9]\d{0,13})(\.\d{1,2})?$/.test(text);
}

/** Whether a text is a whole positive number of shares. */
export function isQuantity(text) {
  return /^\d{1,12}$/.test(text) && BigInt(text) > 0n;
}
