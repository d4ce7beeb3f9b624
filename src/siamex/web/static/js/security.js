// A security's page: its 10-level book on both boards with the indicative auction price in a
// pre-open, the ticker, the day's price and volume chart, open/high/low/close/average, the
// price band and pause status, and the day's trade reports. The day so far comes from
// /v1/market-data/intraday/{symbol}; everything after from the security's channel.

import {call} from "./api.js";
import {priceVolumeChart} from "./chart.js";
import {h, fill} from "./dom.js";
import {feed} from "./feed.js";
import {average, baht, chartTime, change, clock, plotted, priceClass, shares} from "./format.js";
import {t} from "./i18n.js";
import {badges} from "./signs.js";

const TICKER_ROWS = 30;
const BOOK_LEVELS = 10;
const REPORT_BOARDS = new Set(["B", "F", "X"]);

function chooser(main) {
  const input = h("input", {id: "security-symbol", "aria-label": t("symbol"), placeholder: "PTT", autocomplete: "off"});
  const form = h("form", {class: "toolbar", onsubmit: (event) => {
    event.preventDefault();
    const symbol = input.value.trim().toUpperCase();
    if (symbol) location.hash = `#/security/${encodeURIComponent(symbol)}`;
  }}, h("label", {}, t("choose"), input), h("button", {type: "submit"}, "→"));
  return form;
}

function bookTable(caption, book, limits) {
  const bids = book?.B ?? [];
  const asks = book?.S ?? [];
  const rows = [];
  for (let i = 0; i < BOOK_LEVELS; i++) {
    const bid = bids[i];
    const ask = asks[i];
    const price = (level) => (level[0] === null ? "ATO/ATC" : baht(level[0]));
    rows.push(h("tr", {},
      h("td", {class: "bid"}, bid ? shares(bid[1]) : ""),
      h("td", {class: `bid ${bid ? priceClass(bid[0], limits) : ""}`}, bid ? price(bid) : ""),
      h("td", {class: `ask ${ask ? priceClass(ask[0], limits) : ""}`}, ask ? price(ask) : ""),
      h("td", {class: "ask"}, ask ? shares(ask[1]) : "")));
  }
  return h("table", {class: "book", "aria-label": caption},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {},
      h("th", {scope: "col"}, t("bidvol")), h("th", {scope: "col"}, t("bid")),
      h("th", {scope: "col"}, t("offer")), h("th", {scope: "col"}, t("offervol")))),
    h("tbody", {}, rows));
}

function tradeRow(trade) {
  const side = trade.aggressor === "B" ? "up" : trade.aggressor === "S" ? "down" : "";
  return h("tr", {},
    h("td", {class: "text"}, clock(trade.time)),
    h("td", {class: side}, baht(trade.price)),
    h("td", {}, shares(trade.quantity)),
    h("td", {class: `text ${side}`}, trade.aggressor ?? "A"),
    h("td", {class: "text"}, trade.board));
}

function tradeTable(id, caption, trades) {
  return h("table", {id, "aria-label": caption},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {},
      h("th", {scope: "col", class: "text"}, t("time")), h("th", {scope: "col"}, t("price")),
      h("th", {scope: "col"}, t("volume")), h("th", {scope: "col", class: "text"}, t("side")),
      h("th", {scope: "col", class: "text"}, t("board")))),
    h("tbody", {}, trades.map(tradeRow)));
}

function fact(label, value, cls = "") {
  return h("div", {}, h("span", {}, label), h("span", {class: cls}, value));
}

export function render(main, [symbol]) {
  if (!symbol) {
    fill(main, h("h1", {}, t("nav.security")), chooser(main));
    return null;
  }
  const header = h("div", {class: "head", id: "security-head"});
  const facts = h("div", {class: "facts", id: "security-facts"});
  const books = h("div", {class: "grid3", id: "security-book"});
  const indicative = h("div", {id: "security-indicative", "aria-live": "polite"});
  const chartBox = h("div", {class: "chart", id: "security-chart", role: "img", "aria-label": t("chart")});
  const ticker = h("div", {class: "scroll", id: "security-ticker"});
  const reportsBox = h("div", {id: "security-reports"});
  const statusesBox = h("div", {id: "security-statuses"});
  const problem = h("p", {class: "result", "data-kind": "error", role: "alert"});
  const problems = new Set();
  /** Say what went wrong, beside anything said already (the feed and the API may both). */
  const complain = (code, text) => {
    problems.add(`${code}: ${text}`);
    problem.textContent = [...problems].join(" · ");
  };
  fill(main, chooser(main), problem, header, facts, indicative,
       h("div", {class: "grid2"},
         h("section", {class: "panel"}, h("h2", {}, t("book")), books),
         h("section", {class: "panel"}, h("h2", {}, t("chart")), chartBox)),
       h("div", {class: "grid2"},
         h("section", {class: "panel"}, h("h2", {}, t("ticker")), ticker),
         h("section", {class: "panel"}, h("h2", {}, t("band")), statusesBox,
           h("h2", {}, t("reports")), reportsBox)));

  const chart = priceVolumeChart(chartBox);
  let trades = [];  // newest first, the ticker's rows only
  let reports = [];
  let lastBar = null;
  let now = "";
  let answered = false;  // the day so far has come (or failed): live trades count from there
  let newest = 0;  // the answer's newest trade: a live trade up to it is counted already
  let early = [];  // live trades before the answer
  let gone = false;  // the page was left: its chart is removed

  /** Count a live trade the day so far did not (docs/market-data-web.md, "The day so far"). */
  function take(trade) {
    if (trade.trade_no <= newest) return;
    trades.unshift(trade);
    trades.length = Math.min(trades.length, TICKER_ROWS);
    if (REPORT_BOARDS.has(trade.board)) reports.push(trade);
    addToChart(trade);
  }

  function drawTrades() {
    fill(ticker, tradeTable("ticker-table", t("ticker"), trades.slice(0, TICKER_ROWS)));
    fill(reportsBox, reports.length ? tradeTable("reports-table", t("reports"), reports)
      : h("p", {class: "muted"}, t("none")));
  }

  function addToChart(trade) {
    if (trade.board !== "M") return;
    const minute = chartTime(trade.time) - (chartTime(trade.time) % 60);
    if (lastBar && lastBar.time > minute) return;
    if (!lastBar || lastBar.time < minute) lastBar = {time: minute, volume: 0};
    lastBar.volume += trade.quantity;
    chart.line.update({time: minute, value: plotted(trade.price)});
    chart.volume.update({time: minute, value: lastBar.volume});
    chartBox.dataset.points = String(chart.line.data().length);
  }

  function drawState(security) {
    const stats = security.stats;
    const limits = security.limits;
    const moved = change(stats.last, limits.prev_close);
    fill(header,
      h("h1", {}, security.symbol),
      h("span", {class: `last ${priceClass(stats.last, limits)}`, id: "security-last"}, stats.last ? baht(stats.last) : "-"),
      moved ? h("span", {class: moved.direction}, `${moved.change} (${moved.percent}%)`) : null,
      h("span", {id: "security-phase"}, `${t("phase")}: ${security.phase ?? "-"}`),
      h("span", {id: "security-signs"}, badges(security.statuses, now).map((b) => h("span", {class: `sign ${b.kind}`, title: b.title}, b.text))));
    const summary = security.summary;
    fill(facts,
      fact(t("prev"), limits.prev_close ? baht(limits.prev_close) : "-"),
      fact(t("open"), stats.open ? baht(stats.open) : "-", priceClass(stats.open, limits)),
      fact(t("high"), stats.high ? baht(stats.high) : "-", priceClass(stats.high, limits)),
      fact(t("low"), stats.low ? baht(stats.low) : "-", priceClass(stats.low, limits)),
      fact(t("close"), summary?.close ? baht(summary.close) : "-"),
      fact(t("average"), average(stats.value, stats.volume) ?? "-"),
      fact(t("volume"), shares(stats.volume)),
      fact(t("value"), baht(stats.value)),
      fact(t("ceiling"), limits.ceiling ? baht(limits.ceiling) : "-", "ceiling"),
      fact(t("floor"), limits.floor ? baht(limits.floor) : "-", "floor"));
    const projected = security.indicative;
    fill(indicative, projected ? h("p", {class: "indicative", id: "indicative"},
      `${t("indicative")}: ${projected.price ? baht(projected.price) : "-"} · ${t("volume")} ${shares(projected.quantity)} · ${t("imbalance")} ${shares(projected.imbalance)}`) : null);
    fill(books,
      bookTable(t("mainboard"), security.book?.M, limits),
      bookTable(`${t("oddlot")}`, security.book?.O, limits));
    const holds = (security.statuses ?? []).filter((s) => ["dynamic_price_band", "auto_pause", "halt", "suspend", "resume", "surveillance_level", "surveillance_pause", "sign"].includes(s.what));
    fill(statusesBox, holds.length ? h("ul", {}, holds.map((s) => h("li", {},
      `${clock(s.time)} ${s.what} ${s.value}${s.on ? "" : " (off)"}${s.until ? ` → ${clock(s.until)}` : ""}`)))
      : h("p", {class: "muted"}, t("none")));
  }

  call("GET", `/v1/market-data/intraday/${encodeURIComponent(symbol)}`, undefined, null).then((day) => {
    if (gone) return;
    chart.line.setData(day.bars.map((bar) => ({time: chartTime(bar.time), value: plotted(bar.close)})));
    chart.volume.setData(day.bars.map((bar) => ({time: chartTime(bar.time), value: bar.volume})));
    chartBox.dataset.points = String(day.bars.length);
    chart.chart.timeScale().fitContent();
    if (day.bars.length) {
      const last = day.bars[day.bars.length - 1];
      lastBar = {time: chartTime(last.time), volume: last.volume};
    }
    trades = day.trades.slice(0, TICKER_ROWS);
    reports = day.reports;
    newest = day.trades.length ? day.trades[0].trade_no : 0;
    answered = true;
    for (const trade of early) take(trade);
    early = [];
    drawTrades();
  }).catch((refusal) => {
    if (gone) return;
    answered = true;
    for (const trade of early) take(trade);
    early = [];
    complain(refusal.code, refusal.text);
  });

  const stop = feed().follow(`security:${symbol}`, (state, message) => {
    if (message.type === "error") {
      complain(message.code, message.text);
      return;
    }
    if (message.time) now = message.time;
    if (message.type === "trade") {
      if (answered) take(message.trade);
      else early.push(message.trade);
      drawTrades();
    } else if (message.type === "limits") {
      trades = [];
      reports = [];
      lastBar = null;
      newest = 0;
      early = [];
      chart.line.setData([]);
      chart.volume.setData([]);
      drawTrades();
    }
    drawState(state);
  });
  return () => {
    gone = true;
    stop();
    chart.chart.remove();
  };
}
