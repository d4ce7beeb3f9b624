// The console's frame: the pages by the address's hash, the index strip with its lines and the
// circuit breaker, the language, who is logged on, and the connection's state.

import {call} from "./api.js";
import {sparkline} from "./chart.js";
import {h, fill} from "./dom.js";
import {feed} from "./feed.js";
import {baht, chartTime, clock, plotted} from "./format.js";
import {lang, onLang, setLang, t, translate} from "./i18n.js";
import {onSession, session, setSession} from "./session.js";
import {breakerOn} from "./signs.js";
import * as watch from "./watch.js";
import * as security from "./security.js";
import * as desk from "./desk.js";
import * as risk from "./risk.js";
import * as operator from "./operator.js";
import * as clearing from "./clearing.js";
import * as login from "./login.js";

const PAGES = {watch, security, desk, risk, operator, clearing, login};
const INDICES = ["SET", "SET50", "SET100", "mai"];
let leave = null;

function route() {
  const [name, ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  const page = PAGES[name] ?? watch;
  const main = document.getElementById("main");
  if (leave) leave();
  fill(main);
  for (const link of document.querySelectorAll("#nav a")) {
    const current = link.getAttribute("href") === `#/${name || "watch"}`;
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  leave = page.render(main, rest.map(decodeURIComponent)) ?? null;
}

function showWho() {
  const who = document.getElementById("who");
  const current = session();
  if (!current) {
    fill(who, h("a", {href: "#/login"}, t("login")));
    return;
  }
  const name = current.role === "trader" ? `${current.trader} · ${current.member}`
    : current.role === "risk_officer" ? `${t("role.risk_officer")} · ${current.member}` : t("role.operator");
  fill(who, h("span", {}, name), h("button", {type: "button", id: "logout", onclick: logout}, t("logout")));
}

async function logout() {
  const current = session();
  if (current?.role === "trader") {
    try { await call("DELETE", "/v1/sessions"); } catch { /* the session ends here anyway */ }
  }
  setSession(null);
  location.hash = "#/watch";
}

function indexStrip() {
  const strip = document.getElementById("indices");
  const boxes = new Map();
  const banner = h("div", {class: "cb", role: "alert", hidden: true});
  for (const name of INDICES) {
    const value = h("span", {class: "value", "data-index": name}, "–");
    const spark = h("div", {class: "spark"});
    strip.append(h("div", {class: "index"}, h("span", {class: "name"}, name), value, spark));
    boxes.set(name, {value, spark, chart: null, last: 0});
  }
  strip.append(banner);
  const draw = (box) => box.chart ?? (box.chart = sparkline(box.spark));
  const point = (box, index) => {
    box.value.textContent = baht(index.value);
    const time = chartTime(index.time);
    if (time >= box.last) {
      draw(box).line.update({time, value: plotted(index.value)});
      box.last = time;
    }
  };
  call("GET", "/v1/market-data/intraday", undefined, null).then((data) => {
    for (const [name, points] of Object.entries(data.indices ?? {})) {
      const box = boxes.get(name);
      if (!box || !points.length) continue;
      const series = points.map((p) => ({time: chartTime(p.time), value: plotted(p.value)}));
      draw(box).line.setData(series);
      box.chart.chart.timeScale().fitContent();
      box.last = series[series.length - 1].time;
      box.value.textContent = baht(points[points.length - 1].value);
    }
  }).catch(() => { /* the live values still come */ });
  let shown = 0;
  feed().follow("market", (market, message) => {
    if (!market) return;
    if (message.type === "snapshot") {
      for (const [name, index] of Object.entries(market.indices)) if (boxes.has(name)) point(boxes.get(name), index);
    } else if (message.type === "index" && boxes.has(message.name)) {
      point(boxes.get(message.name), message.index);
    }
    if (message.time) market.time = message.time;
    if (!shown) shown = requestAnimationFrame(() => {  // once a frame, however busy the market
      shown = 0;
      showMarket(market, banner);
    });
  });
}

/** The circuit breaker as the market's statuses last said, the phase and the exchange's time. */
function showMarket(market, banner) {
  const now = market.time ?? "";
  const breaker = breakerOn(market.statuses, now);
  banner.hidden = !breaker;
  if (breaker) {
    fill(banner, `${t("cb")}: ${breaker.value}`, breaker.until ? ` ${t("cb.until")} ${clock(breaker.until)}` : "");
  }
  document.getElementById("phase").textContent = `${t("phase")}: ${commonPhase(market) ?? "-"}`;
  if (now) document.getElementById("clock").textContent = now.slice(0, 19).replace("T", " ");
}

/** The phase most securities are in (each opens at its own moment, so the market's last
 * market-wide phase can lag behind them). */
function commonPhase(market) {
  const counts = new Map();
  for (const security of Object.values(market.securities)) {
    if (security.phase) counts.set(security.phase, (counts.get(security.phase) ?? 0) + 1);
  }
  let best = market.phase;
  let most = 0;
  for (const [phase, count] of counts) if (count > most) [best, most] = [phase, count];
  return best;
}

function start() {
  const button = document.getElementById("lang");
  const showLang = () => { button.textContent = lang() === "th" ? "EN" : "ไทย"; };
  button.addEventListener("click", () => setLang(lang() === "th" ? "en" : "th"));
  document.documentElement.lang = lang();
  translate(document);
  showLang();
  onLang(() => { showLang(); showWho(); route(); });
  onSession(() => { showWho(); });
  const conn = document.getElementById("conn");
  feed().onStatus((status) => {
    conn.dataset.state = status;
    conn.textContent = t(`connection.${status}`);
  });
  indexStrip();
  showWho();
  document.querySelector(".skip").addEventListener("click", (event) => {
    event.preventDefault();  // its "#main" would be a page address here, not a place
    document.getElementById("main").focus();
  });
  window.addEventListener("hashchange", route);
  route();
}

start();
