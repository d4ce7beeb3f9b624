// The member desk: a trader places, amends and cancels orders with SET's order types and
// validities, and follows its orders and trades of the day. The console checks only the shape
// of what it sends (what the API would refuse as 400: a missing field, a quantity that is not a
// whole positive number, a price that is not baht with at most two decimals), so it sends
// nothing malformed; the rules (tick, limits, ownership, phase) are the exchange's to judge,
// and its code and sentence are shown as it gave them. The orders refresh after each request,
// on each of the member's drop-copy records (a fill) and every two seconds (what the exchange
// cancels by itself: expiry, the kill switch).

import {call} from "./api.js";
import {h, fill, select, showAnswer, showRefusal} from "./dom.js";
import {baht, isPrice, isQuantity, shares} from "./format.js";
import {t} from "./i18n.js";
import {needs} from "./login.js";
import {session} from "./session.js";

const TYPES = ["limit", "ato", "atc", "mp_mkt", "mp_mtl"];
const VALIDITIES = ["day", "fak", "fok", "gtc", "gtd"];
const LIVE = new Set(["new", "partially_filled"]);
const REFRESH_MS = 2000;
let counter = 0;

/** A fresh ClOrdID for this tab: the trader, the time and a counter (printable ASCII, <= 64). */
function clordid(trader) {
  counter += 1;
  return `${trader}-${Date.now().toString(36)}-${counter}`.slice(0, 64);
}

/** A refusal made here, before anything is sent: the code the API would give, and why. */
class NotSent extends Error {
  constructor(field, text) {
    super(text);
    this.code = "BAD_REQUEST";
    this.field = field;
    this.text = `${field}: ${text}`;
  }
}

function text(form, name) {
  return (new FormData(form).get(name) ?? "").toString().trim();
}

/** The body of a new order from the ticket, or NotSent. */
export function orderBody(form, trader) {
  const type = text(form, "type");
  const validity = text(form, "validity");
  const account = text(form, "account");
  const symbol = text(form, "symbol").toUpperCase();
  const qty = text(form, "qty");
  const price = text(form, "price");
  const published = text(form, "published_qty");
  const expire = text(form, "expire_date");
  if (!account) throw new NotSent("account", "give the client account");
  if (!symbol) throw new NotSent("symbol", "give the security's symbol");
  if (!/^[\x21-\x7e]{1,64}$/.test(account)) throw new NotSent("account", "1-64 printable characters, no spaces");
  if (!/^[\x21-\x7e]{1,64}$/.test(symbol)) throw new NotSent("symbol", "1-64 printable characters, no spaces");
  if (!isQuantity(qty)) throw new NotSent("qty", "a whole number of shares above 0");
  const body = {clordid: clordid(trader), account, symbol, side: form.dataset.side, qty: Number(qty), type, validity};
  if (type === "limit") {
    if (!isPrice(price)) throw new NotSent("price", "a price in baht above 0, with at most two decimals");
    body.price = price;
  } else if (price) {
    throw new NotSent("price", `a ${type} order has no price`);
  }
  if (validity === "gtd") {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(expire)) throw new NotSent("expire_date", "a GTD order needs its last day");
    body.expire_date = expire;
  } else if (expire) {
    throw new NotSent("expire_date", "only a GTD order has an expiry date");
  }
  if (published) {
    if (!isQuantity(published)) throw new NotSent("published_qty", "a whole number of shares above 0");
    body.published_qty = Number(published);
  }
  if (form.elements.short.checked) body.short = true;
  if (form.elements.nvdr.checked) body.nvdr = true;
  return body;
}

function orderRow(order, act) {
  const live = LIVE.has(order.status);
  return h("tr", {"data-clordid": order.clordid, "data-status": order.status},
    h("td", {class: "text"}, new Date(order.time_ns / 1e6).toISOString().slice(11, 19)),
    h("td", {class: "text"}, order.clordid),
    h("td", {}, order.order_no ?? ""),
    h("td", {class: "text"}, order.account),
    h("td", {class: "text"}, order.symbol),
    h("td", {class: `text ${order.side === "buy" ? "up" : "down"}`}, order.side),
    h("td", {class: "text"}, `${order.type}/${order.validity}`),
    h("td", {}, order.price ? baht(order.price) : ""),
    h("td", {}, shares(order.qty)),
    h("td", {}, shares(order.cum_qty)),
    h("td", {}, shares(order.leaves)),
    h("td", {class: "text"}, order.status),
    h("td", {class: "text"}, order.code ? `${order.code} ${order.text ?? ""}` : ""),
    h("td", {class: "text"}, live ? [
      h("button", {type: "button", class: "amend", onclick: () => act("amend", order)}, t("amend")), " ",
      h("button", {type: "button", class: "cancel", onclick: () => act("cancel", order)}, t("cancel"))] : ""));
}

function tradeRow(trade) {
  return h("tr", {},
    h("td", {class: "text"}, new Date(trade.time_ns / 1e6).toISOString().slice(11, 19)),
    h("td", {}, trade.trade_no ?? ""),
    h("td", {class: "text"}, trade.clordid),
    h("td", {class: "text"}, trade.account),
    h("td", {class: "text"}, trade.symbol),
    h("td", {class: `text ${trade.side === "buy" ? "up" : "down"}`}, trade.side),
    h("td", {}, baht(trade.last_price)),
    h("td", {}, shares(trade.last_qty)));
}

function head(...labels) {
  return h("thead", {}, h("tr", {}, labels.map((label) => h("th", {scope: "col"}, t(label)))));
}

export function render(main) {
  const me = session();
  if (me?.role !== "trader") {
    needs(main, ["trader"], "desk");
    return null;
  }
  const result = h("div", {class: "result", id: "order-result", role: "status", "aria-live": "polite"});
  const ticket = h("form", {id: "ticket", class: "panel", novalidate: true, "data-side": "buy"},
    h("h2", {}, `${t("ticket")} · ${me.trader} (${me.member})`),
    h("div", {class: "toolbar"},
      h("label", {}, t("account"), h("input", {name: "account", id: "order-account", autocomplete: "off"})),
      h("label", {}, t("symbol"), h("input", {name: "symbol", id: "order-symbol", autocomplete: "off"})),
      h("label", {}, t("type"), select("type", "order-type", TYPES)),
      h("label", {}, t("price"), h("input", {name: "price", id: "order-price", inputmode: "decimal", autocomplete: "off"})),
      h("label", {}, t("qty"), h("input", {name: "qty", id: "order-qty", inputmode: "numeric", autocomplete: "off"})),
      h("label", {}, t("validity"), select("validity", "order-validity", VALIDITIES)),
      h("label", {}, t("expire"), h("input", {name: "expire_date", id: "order-expire", type: "date"})),
      h("label", {}, t("published"), h("input", {name: "published_qty", id: "order-published", inputmode: "numeric"})),
      h("label", {class: "inline"}, h("input", {type: "checkbox", name: "short", id: "order-short"}), t("short")),
      h("label", {class: "inline"}, h("input", {type: "checkbox", name: "nvdr", id: "order-nvdr"}), t("nvdr"))),
    h("div", {class: "toolbar"},
      h("button", {type: "submit", class: "buy", id: "order-buy", value: "buy"}, t("buy")),
      h("button", {type: "submit", class: "sell", id: "order-sell", value: "sell"}, t("sell"))),
    result);
  const changeResult = h("div", {class: "result", id: "change-result", role: "status", "aria-live": "polite"});
  const changeForm = h("form", {id: "change", class: "panel", novalidate: true},
    h("h2", {}, `${t("amend")} / ${t("cancel")}`),
    h("div", {class: "toolbar"},
      h("label", {}, "ClOrdID", h("input", {name: "orig", id: "change-orig", autocomplete: "off"})),
      h("label", {}, t("new_qty"), h("input", {name: "qty", id: "change-qty", inputmode: "numeric"})),
      h("label", {}, t("new_price"), h("input", {name: "price", id: "change-price", inputmode: "decimal"})),
      h("button", {type: "submit", value: "amend", id: "change-amend"}, t("amend")),
      h("button", {type: "submit", value: "cancel", id: "change-cancel"}, t("cancel"))),
    changeResult);
  const ordersBody = h("tbody");
  const tradesBody = h("tbody");
  fill(main, h("h1", {}, t("nav.desk")), h("div", {class: "grid2"}, ticket, changeForm),
    h("section", {class: "panel"}, h("h2", {}, t("orders")), h("div", {class: "scroll"},
      h("table", {id: "orders"}, head("time", "ClOrdID", "Order no", "account", "symbol", "side", "type", "price", "qty", "filled", "leaves", "status", "code", ""), ordersBody))),
    h("section", {class: "panel"}, h("h2", {}, t("trades")), h("div", {class: "scroll"},
      h("table", {id: "trades"}, head("time", "Trade no", "ClOrdID", "account", "symbol", "side", "price", "qty"), tradesBody))));

  let running = null;
  let again = false;

  /** Refresh once now, and once more after if asked while running (a burst of records). */
  function refresh() {
    if (running) {
      again = true;
      return running;
    }
    running = load().finally(() => {
      running = null;
      if (again) {
        again = false;
        refresh();
      }
    });
    return running;
  }

  async function load() {
    try {
      const [orders, trades] = await Promise.all([call("GET", "/v1/orders"), call("GET", "/v1/trades")]);
      fill(ordersBody, orders.orders.slice().reverse().map((order) => orderRow(order, act)));
      fill(tradesBody, trades.trades.slice().reverse().map(tradeRow));
    } catch (refusal) {
      if (refusal.status === 401) showRefusal(result, refusal);
    }
  }

  function act(what, order) {
    changeForm.elements.orig.value = order.clordid;
    if (what === "amend") {
      changeForm.elements.qty.value = String(order.qty);
      changeForm.elements.price.value = order.price ?? "";
      changeForm.elements.qty.focus();
    } else {
      changeForm.requestSubmit(changeForm.querySelector("#change-cancel"));
    }
  }

  ticket.addEventListener("submit", async (event) => {
    event.preventDefault();
    ticket.dataset.side = event.submitter?.value === "sell" ? "sell" : "buy";
    let body;
    try {
      body = orderBody(ticket, me.trader);
    } catch (refusal) {
      showRefusal(result, refusal, `${t("not_sent")}: `);
      ticket.elements[refusal.field]?.setAttribute("aria-invalid", "true");
      return;
    }
    for (const element of ticket.elements) element.removeAttribute?.("aria-invalid");
    try {
      const answer = await call("POST", "/v1/orders", body);
      const order = answer.order;
      showAnswer(result, "ok", h("span", {class: "code"}, t("accepted")), " ",
        `${order.clordid} · #${order.order_no} · ${order.side} ${shares(order.qty)} ${order.symbol}` +
        `${order.price ? " @ " + baht(order.price) : ""} · ${order.status}` +
        (order.cum_qty ? ` · ${t("filled")} ${shares(order.cum_qty)}` : ""));
    } catch (refusal) {
      showRefusal(result, refusal);
    }
    refresh();
  });

  changeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const what = event.submitter?.value === "cancel" ? "cancel" : "amend";
    const orig = text(changeForm, "orig");
    const body = {orig_clordid: orig, clordid: clordid(me.trader)};
    try {
      if (!/^[\x21-\x7e]{1,64}$/.test(orig)) throw new NotSent("orig_clordid", "give the ClOrdID of the order");
      if (what === "amend") {
        const qty = text(changeForm, "qty");
        const price = text(changeForm, "price");
        if (!qty && !price) throw new NotSent("qty", "give a new quantity or a new price");
        if (qty) {
          if (!isQuantity(qty)) throw new NotSent("qty", "a whole number of shares above 0");
          body.qty = Number(qty);
        }
        if (price) {
          if (!isPrice(price)) throw new NotSent("price", "a price in baht above 0, with at most two decimals");
          body.price = price;
        }
      }
    } catch (refusal) {
      showRefusal(changeResult, refusal, `${t("not_sent")}: `);
      return;
    }
    try {
      const answer = await call("POST", `/v1/orders/${what}`, body);
      showAnswer(changeResult, "ok", h("span", {class: "code"}, t("accepted")), " ",
        `${what} ${orig} → ${answer.order?.status ?? ""}`);
    } catch (refusal) {
      showRefusal(changeResult, refusal);
    }
    refresh();
  });

  const timer = setInterval(refresh, REFRESH_MS);
  const drop = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/v1/drop-copy?token=${encodeURIComponent(me.token)}`);
  drop.onmessage = () => refresh();
  refresh();
  return () => {
    clearInterval(timer);
    drop.close();
  };
}
