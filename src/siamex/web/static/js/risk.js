// The risk desk: a member's risk officer (or an operator, for any member) sees the pre-trade
// limits, kill switches and exposure of every scope (the member, its ORSs, traders and
// accounts), changes the limits, presses the kill switch after a confirmation step and sees
// how many orders it cancelled, and reads the audit trail with filters and a CSV export
// (docs/operations.md).

import {call} from "./api.js";
import {h, fill, download, showAnswer, showRefusal} from "./dom.js";
import {baht, isMoney, shares} from "./format.js";
import {t} from "./i18n.js";
import {needs} from "./login.js";
import {session} from "./session.js";

const LIMITS = [["credit", "credit"], ["max_value", "max_value"], ["max_volume", "max_volume"], ["price_band_bp", "price_band"]];

/** The limits body of a scope from its row's inputs; a limit left empty is none. */
function limitsBody(member, scope, inputs) {
  const body = {kind: scope.kind, member};
  if (scope.kind !== "member") body.id = scope.id;
  for (const [name] of LIMITS) {
    const value = inputs[name].value.trim().replaceAll(",", "");
    if (!value) continue;
    if (name === "credit" || name === "max_value") {
      if (!isMoney(value)) throw Object.assign(new Error(), {code: "BAD_REQUEST", text: `${name}: baht, at most 14 digits and two decimals`});
      body[name] = value;
    } else {
      if (!/^\d{1,12}$/.test(value)) throw Object.assign(new Error(), {code: "BAD_REQUEST", text: `${name}: a whole number`});
      body[name] = Number(value);
    }
  }
  return body;
}

export function render(main) {
  const me = session();
  if (me?.role !== "risk_officer" && me?.role !== "operator") {
    needs(main, ["risk_officer", "operator"], "risk");
    return null;
  }
  const memberInput = h("input", {id: "risk-member", value: me.member ?? "", readonly: me.role === "risk_officer" ? true : null});
  const result = h("div", {class: "result", id: "risk-result", role: "status", "aria-live": "polite"});
  const scopesBody = h("tbody");
  const dialog = h("dialog", {id: "kill-dialog", "aria-labelledby": "kill-title"});
  const auditResult = h("div", {class: "result", id: "audit-result", role: "status"});
  const auditBody = h("tbody");
  const dateInput = h("input", {type: "date", id: "audit-date"});
  const traderFilter = h("input", {id: "audit-trader", placeholder: t("trader")});
  const symbolFilter = h("input", {id: "audit-symbol", placeholder: t("symbol")});
  const eventFilter = h("input", {id: "audit-event", placeholder: t("event")});
  let records = [];

  fill(main, h("h1", {}, t("nav.risk")),
    h("form", {class: "toolbar", onsubmit: (event) => { event.preventDefault(); load(); }},
      h("label", {}, t("member"), memberInput), h("button", {type: "submit"}, t("load"))),
    result,
    h("section", {class: "panel"}, h("h2", {}, t("scopes")), h("div", {class: "scroll"},
      h("table", {id: "scopes"}, h("thead", {}, h("tr", {},
        h("th", {scope: "col", class: "text"}, t("scope")), h("th", {scope: "col"}, t("exposure")),
        LIMITS.map(([, label]) => h("th", {scope: "col"}, t(label))),
        h("th", {scope: "col", class: "text"}, t("kill")), h("th", {scope: "col"}, ""))), scopesBody))),
    h("section", {class: "panel"}, h("h2", {}, t("audit")),
      h("div", {class: "toolbar"}, h("label", {}, t("date"), dateInput),
        h("button", {type: "button", id: "audit-load", onclick: () => loadAudit()}, t("load")),
        h("label", {}, t("trader"), traderFilter), h("label", {}, t("symbol"), symbolFilter),
        h("label", {}, t("event"), eventFilter),
        h("button", {type: "button", id: "audit-csv", onclick: () => csv()}, t("csv"))),
      auditResult,
      h("div", {class: "scroll"}, h("table", {id: "audit"}, h("thead", {}, h("tr", {},
        ["time", "trader", "account", "symbol", "side", "event", "code", "qty", "price", "fill_qty", "fill_price", "text"]
          .map((name) => h("th", {scope: "col", class: "text"}, name)))), auditBody))),
    dialog);

  function member() {
    return memberInput.value.trim().toUpperCase();
  }

  async function load() {
    try {
      const risk = await call("GET", `/v1/risk/${encodeURIComponent(member())}`);
      fill(scopesBody, risk.scopes.map(scopeRow));
    } catch (refusal) {
      showRefusal(result, refusal);
    }
  }

  function scopeRow(scope) {
    const inputs = {};
    const cells = LIMITS.map(([name]) => {
      const value = scope[name];
      inputs[name] = h("input", {size: 14, "aria-label": `${t(name === "price_band_bp" ? "price_band" : name)} ${scope.kind} ${scope.id}`,
                                  value: value === null || value === undefined ? "" : String(value)});
      return h("td", {}, inputs[name]);
    });
    const name = scope.kind === "member" ? `member ${member()}` : `${scope.kind} ${scope.id}`;
    return h("tr", {"data-scope": `${scope.kind}:${scope.id}`},
      h("td", {class: "text"}, name),
      h("td", {}, baht(scope.exposure)),
      cells,
      h("td", {class: "text"}, scope.kind === "account" ? "" :
        scope.kill_switch ? h("button", {type: "button", class: "kill-off", onclick: () => kill(scope, false)}, `ON · ${t("kill.off")}`)
          : h("button", {type: "button", class: "danger kill-on", onclick: () => confirmKill(scope, name)}, t("kill.on"))),
      h("td", {}, h("button", {type: "button", class: "set-limits", onclick: async () => {
        try {
          const answer = await call("POST", "/v1/risk/limits", limitsBody(member(), scope, inputs));
          showAnswer(result, "ok", `${t("set_limits")}: ${name} · seq ${answer.seq}`);
          load();
        } catch (refusal) {
          showRefusal(result, refusal);
        }
      }}, t("set_limits"))));
  }

  function confirmKill(scope, name) {
    fill(dialog,
      h("h2", {id: "kill-title"}, `${t("kill.confirm")} ${name}?`),
      h("p", {}, t("kill.explain")),
      h("form", {method: "dialog", class: "toolbar"},
        h("button", {value: "cancel", id: "kill-back", autofocus: true}, t("back")),
        h("button", {value: "confirm", class: "danger", id: "kill-confirm"}, t("confirm"))));
    dialog.onclose = () => {
      if (dialog.returnValue === "confirm") kill(scope, true);
    };
    dialog.returnValue = "";
    dialog.showModal();
  }

  async function kill(scope, on) {
    const body = {kind: scope.kind, member: member(), on};
    if (scope.kind !== "member") body.id = scope.id;
    try {
      const answer = await call("POST", "/v1/risk/kill-switch", body);
      showAnswer(result, "ok", on ? `${t("kill.done")}: ${shares(answer.cancelled ?? 0)}` : `${t("kill.off")} · seq ${answer.seq}`);
      result.dataset.cancelled = String(answer.cancelled ?? 0);
      load();
    } catch (refusal) {
      showRefusal(result, refusal);
    }
  }

  function auditPath(format) {
    const date = dateInput.value;
    return `/v1/audit?member=${encodeURIComponent(member())}${date ? `&date=${date}` : ""}&format=${format}`;
  }

  function shown() {
    const trader = traderFilter.value.trim().toUpperCase();
    const symbol = symbolFilter.value.trim().toUpperCase();
    const event = eventFilter.value.trim().toLowerCase();
    return records.filter((r) => (!trader || (r.trader ?? "").toUpperCase().includes(trader))
      && (!symbol || (r.symbol ?? "").toUpperCase().includes(symbol))
      && (!event || (r.event ?? "").toLowerCase().includes(event)));
  }

  function drawAudit() {
    fill(auditBody, shown().map((r) => h("tr", {},
      [r.time?.slice(11, 23), r.trader, r.account, r.symbol, r.side, r.event, r.code, r.qty, r.price,
       r.fill_qty, r.fill_price, r.text].map((value) => h("td", {class: "text"}, value ?? "")))));
  }

  async function loadAudit() {
    try {
      records = await call("GET", auditPath("json"));
      showAnswer(auditResult, "ok", shares(records.length));
      drawAudit();
    } catch (refusal) {
      showRefusal(auditResult, refusal);
    }
  }

  async function csv() {
    try {
      download(`audit-${member()}-${dateInput.value || "today"}.csv`, await call("GET", auditPath("csv")), "text/csv");
    } catch (refusal) {
      showRefusal(auditResult, refusal);
    }
  }

  for (const input of [traderFilter, symbolFilter, eventFilter]) input.addEventListener("input", drawAudit);
  call("GET", "/v1/status").then((status) => {  // the audit trail of the trading day, unless chosen
    if (!dateInput.value && status.trading_date) dateInput.value = status.trading_date;
  }).catch(() => {});
  if (member()) load();
  return null;
}
