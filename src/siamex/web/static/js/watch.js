// Market watch: every security on one screen, updating live from the market channel: last,
// change, best bid and offer, volume and value, the day's range, the limits, the phase and the
// signs. Rows are redrawn once per frame for the securities that changed, so a busy market
// costs the page what changed, not the whole table.

import {h, fill, setCell} from "./dom.js";
import {feed} from "./feed.js";
import {baht, change, priceClass, satang, shares} from "./format.js";
import {t} from "./i18n.js";
import {badges} from "./signs.js";

const COLUMNS = [
  {key: "symbol", label: "symbol", text: true},
  {key: "signs", label: "sign", text: true, sortable: false},
  {key: "last", label: "last"},
  {key: "change", label: "change"},
  {key: "pct", label: "pct"},
  {key: "bidvol", label: "bidvol"},
  {key: "bid", label: "bid"},
  {key: "offer", label: "offer"},
  {key: "offervol", label: "offervol"},
  {key: "volume", label: "volume"},
  {key: "value", label: "value"},
  {key: "high", label: "high"},
  {key: "low", label: "low"},
  {key: "ceiling", label: "ceiling"},
  {key: "floor", label: "floor"},
  {key: "phase", label: "phase", text: true},
];

/** The cells that flash when they change: the prices, as on a streaming screen; volumes and
 * values change with every trade and would keep the whole table repainting. */
const FLASHED = new Set(["last", "bid", "offer"]);

function level(best, side) {
  const first = best?.[side];
  if (!first) return {price: "", qty: "", sort: null};
  return {price: first[0] === null ? "ATO/ATC" : baht(first[0]), qty: shares(first[1]),
          sort: first[0] === null ? null : satang(first[0]), qtySort: BigInt(first[1]),
          raw: first[0]};
}

/** What a row shows, and the keys it sorts by. */
function row(security, now) {
  const stats = security.stats;
  const limits = security.limits;
  const moved = change(stats.last, limits.prev_close);
  const bid = level(security.best, "bid");
  const offer = level(security.best, "ask");
  return {
    symbol: {text: security.symbol, sort: security.symbol},
    signs: {badges: badges(security.statuses, now)},
    last: {text: stats.last ? baht(stats.last) : "-", cls: priceClass(stats.last, limits), sort: satang(stats.last)},
    change: {text: moved ? moved.change : "", cls: moved?.direction, sort: moved ? satang(moved.change) : null},
    pct: {text: moved ? moved.percent : "", cls: moved?.direction, sort: moved ? satang(moved.percent) : null},
    bidvol: {text: bid.qty, sort: bid.qtySort ?? null},
    bid: {text: bid.price, cls: priceClass(bid.raw, limits), sort: bid.sort},
    offer: {text: offer.price, cls: priceClass(offer.raw, limits), sort: offer.sort},
    offervol: {text: offer.qty, sort: offer.qtySort ?? null},
    volume: {text: shares(stats.volume), sort: BigInt(stats.volume)},
    value: {text: baht(stats.value), sort: satang(stats.value)},
    high: {text: stats.high ? baht(stats.high) : "", cls: priceClass(stats.high, limits), sort: satang(stats.high)},
    low: {text: stats.low ? baht(stats.low) : "", cls: priceClass(stats.low, limits), sort: satang(stats.low)},
    ceiling: {text: limits.ceiling ? baht(limits.ceiling) : "", cls: "ceiling", sort: satang(limits.ceiling)},
    floor: {text: limits.floor ? baht(limits.floor) : "", cls: "floor", sort: satang(limits.floor)},
    phase: {text: security.phase ?? "", sort: security.phase ?? ""},
  };
}

function compare(a, b) {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  return a < b ? -1 : 1;
}

const FILTERS = {
  all: () => true,
  gainers: (values) => values.change.cls === "up",
  losers: (values) => values.change.cls === "down",
  signed: (values) => values.signs.badges.length > 0,
  traded: (values) => values.volume.sort > 0n,
};

export function render(main) {
  const rows = new Map();  // symbol -> {tr, cells, values}
  const dirty = new Set();
  let sortKey = "symbol";
  let ascending = true;
  let market = null;
  let frame = 0;
  let now = "";

  const search = h("input", {type: "search", id: "watch-filter", "aria-label": t("filter"), placeholder: t("filter")});
  const only = h("select", {id: "watch-only", "aria-label": t("only")},
    Object.keys(FILTERS).map((key) => h("option", {value: key}, t(key))));
  const headers = COLUMNS.map((column) => {
    const th = h("th", {scope: "col", class: column.text ? "text" : null, "data-key": column.key});
    if (column.sortable === false) th.textContent = t(column.label);
    else th.append(h("button", {type: "button", onclick: () => sortBy(column.key)}, t(column.label)));
    return th;
  });
  const body = h("tbody");
  const table = h("table", {id: "watch", "aria-label": t("nav.watch")}, h("thead", {}, h("tr", {}, headers)), body);
  fill(main, h("h1", {}, t("nav.watch")),
       h("div", {class: "toolbar"}, h("label", {}, t("filter"), search), h("label", {}, t("only"), only)),
       table);

  function sortBy(key) {
    ascending = sortKey === key ? !ascending : key === "symbol";
    sortKey = key;
    for (const th of headers) {
      if (th.dataset.key === key) th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    }
    arrange();
  }

  function build(security) {
    const cells = {};
    const tr = h("tr", {"data-symbol": security.symbol});
    for (const column of COLUMNS) {
      const cell = h("td", {class: column.text ? "text" : null, "data-key": column.key});
      if (column.key === "symbol") {
        cell.append(h("a", {href: `#/security/${encodeURIComponent(security.symbol)}`}, security.symbol));
      } else if (FLASHED.has(column.key)) {
        cell.dataset.live = "1";
      }
      cells[column.key] = cell;
      tr.append(cell);
    }
    const entry = {tr, cells, values: null};
    rows.set(security.symbol, entry);
    return entry;
  }

  function draw(entry, security) {
    const values = row(security, now);
    entry.values = values;
    for (const column of COLUMNS) {
      if (column.key === "symbol") continue;
      const value = values[column.key];
      if (column.key === "signs") {
        const text = value.badges.map((b) => b.text).join(" ");
        if (entry.cells.signs.dataset.shown !== text) {
          entry.cells.signs.dataset.shown = text;
          fill(entry.cells.signs, value.badges.map((b) => h("span", {class: `sign ${b.kind}`, title: b.title}, b.text)));
        }
      } else {
        setCell(entry.cells[column.key], value.text, value.cls);
      }
    }
  }

  function arrange() {
    const filter = FILTERS[only.value] ?? FILTERS.all;
    const needle = search.value.trim().toUpperCase();
    const entries = [...rows.values()].filter((entry) => entry.values);
    entries.sort((a, b) => {
      const order = compare(a.values[sortKey].sort, b.values[sortKey].sort);
      return (ascending ? order : -order) || compare(a.values.symbol.sort, b.values.symbol.sort);
    });
    const shown = entries.filter((entry) => entry.values.symbol.sort.includes(needle) && filter(entry.values));
    const current = [...body.children];
    if (shown.length !== current.length || shown.some((entry, i) => entry.tr !== current[i])) {
      body.replaceChildren(...shown.map((entry) => entry.tr));
    }
  }

  function flush() {
    frame = 0;
    if (!market) return;
    for (const symbol of dirty) {
      const security = market.securities[symbol];
      if (!security) continue;
      draw(rows.get(symbol) ?? build(security), security);
    }
    dirty.clear();
    arrange();
  }

  function mark(symbols) {
    for (const symbol of symbols) dirty.add(symbol);
    if (!frame) frame = requestAnimationFrame(flush);
  }

  search.addEventListener("input", arrange);
  only.addEventListener("change", arrange);
  headers[0].setAttribute("aria-sort", "ascending");
  const stop = feed().follow("market", (state, message) => {
    if (!state) return;
    market = state;
    if (message.time) now = message.time;
    if (message.type === "snapshot" || !message.symbol) mark(Object.keys(state.securities));
    else mark([message.symbol]);
  });
  return () => {
    stop();
    if (frame) cancelAnimationFrame(frame);
  };
}
