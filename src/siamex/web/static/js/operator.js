// The operator desk: halt and resume a security, post and remove its signs and surveillance
// level (POST /v1/market/controls), move order-routing systems through their approval and
// approve trader IDs (POST /v1/registry), and read the day's session schedule and the circuit
// breaker (GET /v1/market/schedule) (docs/operations.md).

import {call} from "./api.js";
import {h, fill, select, showAnswer, showRefusal} from "./dom.js";
import {clock} from "./format.js";
import {t} from "./i18n.js";
import {needs} from "./login.js";
import {session} from "./session.js";

/** The signs a control may post: the engine's (siamex.trading.listing.SIGNS, 7.1) but the
 * stopping ones, which halt, suspend and the surveillance level post. */
const SIGNS = ["NP", "NR", "NC", "CB", "CS", "CC", "CF", "CA", "XD", "XR", "XM", "XW", "XA", "XI",
               "XN", "XB", "XE", "XP", "XS", "XT"];
/** The lifecycle events each ORS state allows (src/siamex/gateway/ors_lifecycle.py). */
const ORS_EVENTS = {
  applied: ["record_test", "cancel"],
  tested: ["approve", "cancel"],
  approved: ["change", "cancel"],
  in_use: ["change", "cancel"],
  changed: ["record_test", "cancel"],
  cancelled: [],
};

export function render(main) {
  const me = session();
  if (me?.role !== "operator") {
    needs(main, ["operator"], "operator");
    return null;
  }
  const result = h("div", {class: "result", id: "operator-result", role: "status", "aria-live": "polite"});
  const symbol = h("input", {id: "control-symbol", name: "symbol", autocomplete: "off", placeholder: "PTT"});
  const sign = select("sign", "control-sign", SIGNS);
  const level = select("level", "control-level", ["0", "1", "2", "3"]);
  const pause = h("input", {type: "checkbox", id: "control-pause"});
  const scheduleBox = h("div", {id: "schedule"});
  const orsBody = h("tbody");
  const tradersBody = h("tbody");

  async function control(body, label) {
    const wanted = symbol.value.trim().toUpperCase();
    if (!/^[\x21-\x7e]{1,64}$/.test(wanted)) {
      showRefusal(result, {code: "BAD_REQUEST", text: "symbol: give the security's symbol"}, `${t("not_sent")}: `);
      return;
    }
    try {
      const answer = await call("POST", "/v1/market/controls", {...body, symbol: wanted});
      showAnswer(result, "ok", `${label} ${wanted} · seq ${answer.seq}`);
      loadSchedule();
    } catch (refusal) {
      showRefusal(result, refusal);
    }
  }

  async function registry(body, label) {
    try {
      const answer = await call("POST", "/v1/registry", body);
      showAnswer(result, "ok", `${label} · seq ${answer.seq}`);
      loadRegistry();
    } catch (refusal) {
      showRefusal(result, refusal);
    }
  }

  async function loadRegistry() {
    try {
      const data = await call("GET", "/v1/registry");
      fill(orsBody, data.ors.map((ors) => h("tr", {"data-ors": ors.id, "data-state": ors.state},
        h("td", {class: "text"}, ors.id), h("td", {class: "text"}, ors.member),
        h("td", {class: "text ors-state"}, ors.state), h("td", {class: "text"}, ors.note ?? ""),
        h("td", {class: "text"}, (ORS_EVENTS[ors.state] ?? []).map((event) => [h("button", {
          type: "button", class: `ors-${event}`, onclick: () => registry({op: "reg_ors_event", ors: ors.id, event},
                                                                         `${event} ${ors.id}`)}, event), " "])))));
      fill(tradersBody, data.traders.map((trader) => h("tr", {"data-trader": trader.id},
        h("td", {class: "text"}, trader.id), h("td", {class: "text"}, trader.member),
        h("td", {class: "text"}, trader.ors.join(", ")),
        h("td", {class: "text trader-approved"}, trader.approved ? "✔" : "✘"),
        h("td", {class: "text"}, h("button", {type: "button", class: "trader-approval", onclick: () => registry(
          {op: "reg_set_trader_approval", trader: trader.id, approved: !trader.approved},
          `${trader.approved ? "withdraw" : t("approve")} ${trader.id}`)}, trader.approved ? "✘" : t("approve"))))));
    } catch (refusal) {
      showRefusal(result, refusal);
    }
  }

  async function loadSchedule() {
    try {
      const schedule = await call("GET", "/v1/market/schedule");
      const breaker = schedule.circuit_breaker;
      fill(scheduleBox,
        h("p", {}, `${t("date")}: ${schedule.date ?? "-"} · ${t("phase")}: ${schedule.phase ?? "-"}`),
        h("p", {id: "schedule-breaker"}, `${t("cb")}: `, breaker && breaker.tripped
          ? `${t("level")} ${breaker.level}${breaker.until ? ` ${t("cb.until")} ${clock(breaker.until)}` : ""}` : t("none")),
        h("table", {id: "schedule-table"}, h("thead", {}, h("tr", {},
          h("th", {scope: "col", class: "text"}, t("time")), h("th", {scope: "col", class: "text"}, t("phase")))),
          h("tbody", {}, (schedule.sessions ?? []).map((entry) => h("tr", {},
            h("td", {class: "text"}, entry.start_by ? `${entry.start}–${entry.start_by}` : entry.start),
            h("td", {class: "text"}, entry.products ? `${entry.phase} (${entry.products.join(", ")})` : entry.phase))))),
        breaker ? h("table", {id: "breaker-levels"}, h("caption", {}, `${t("cb")} · ${breaker.index} ${breaker.value ?? ""}`),
          h("thead", {}, h("tr", {}, ["level", "fall", "minutes", "trigger"].map((name) => h("th", {scope: "col"}, name)))),
          h("tbody", {}, (breaker.levels ?? []).map((level) => h("tr", {},
            h("td", {}, level.level), h("td", {}, level.fall), h("td", {}, level.minutes), h("td", {}, level.trigger))))) : null);
    } catch (refusal) {
      showRefusal(result, refusal);
    }
  }

  fill(main, h("h1", {}, t("nav.operator")), result,
    h("div", {class: "grid2"},
      h("section", {class: "panel", id: "controls"}, h("h2", {}, t("market_controls")),
        h("div", {class: "toolbar"}, h("label", {}, t("symbol"), symbol)),
        h("div", {class: "toolbar"},
          h("button", {type: "button", id: "control-halt", onclick: () => control({op: "halt", sign: "H"}, t("halt"))}, t("halt")),
          h("button", {type: "button", id: "control-suspend", onclick: () => control({op: "halt", sign: "SP"}, t("suspend"))}, t("suspend")),
          h("button", {type: "button", id: "control-resume", onclick: () => control({op: "resume"}, t("resume"))}, t("resume"))),
        h("div", {class: "toolbar"}, h("label", {}, t("signs"), sign),
          h("button", {type: "button", id: "control-sign-on", onclick: () => control({op: "set_sign", sign: sign.value, on: true}, `${t("on")} ${sign.value}`)}, t("on")),
          h("button", {type: "button", id: "control-sign-off", onclick: () => control({op: "set_sign", sign: sign.value, on: false}, `${t("off")} ${sign.value}`)}, t("off"))),
        h("div", {class: "toolbar"}, h("label", {}, t("level"), level),
          h("label", {class: "inline"}, pause, t("pause")),
          h("button", {type: "button", id: "control-level-apply", onclick: () => control(
            {op: "set_surveillance_level", level: Number(level.value), pause: pause.checked}, `${t("level")} ${level.value}`)}, t("apply")))),
      h("section", {class: "panel"}, h("h2", {}, t("schedule")), scheduleBox)),
    h("section", {class: "panel"}, h("h2", {}, t("registry")),
      h("table", {id: "ors-table"}, h("thead", {}, h("tr", {},
        ["ORS", t("member"), t("state"), "note", ""].map((label) => h("th", {scope: "col", class: "text"}, label)))), orsBody),
      h("table", {id: "traders-table"}, h("thead", {}, h("tr", {},
        [t("trader"), t("member"), "ORS", t("approve"), ""].map((label) => h("th", {scope: "col", class: "text"}, label)))), tradersBody)));
  loadSchedule();
  loadRegistry();
  return null;
}
