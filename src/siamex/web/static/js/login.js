// Logging on: a trader through an order-routing system's credentials (POST /v1/sessions, as
// docs/web-api.md), a risk officer or an operator with the token the exchange gave them
// (checked with GET /v1/whoami). Then back to the page that asked.

import {call} from "./api.js";
import {h, fill, showRefusal} from "./dom.js";
import {t} from "./i18n.js";
import {setSession} from "./session.js";

function field(label, attributes) {
  return h("label", {}, t(label), h("input", {required: true, ...attributes}));
}

function next() {
  const wanted = sessionStorage.getItem("siamex.next");
  sessionStorage.removeItem("siamex.next");
  location.hash = wanted || "#/watch";
}

/** Ask the person to log on as one of `roles` for this page; remember where to come back. */
export function needs(main, roles, page) {
  sessionStorage.setItem("siamex.next", `#/${page}`);
  fill(main, h("p", {class: "result", "data-kind": "error", id: "needs-login"},
    `${t("needs")} ${roles.map((role) => t(`role.${role}`)).join(" / ")}. `,
    h("a", {href: "#/login"}, t("login"))));
}

export function render(main) {
  const traderResult = h("p", {class: "result", role: "alert", id: "login-trader-result"});
  const tokenResult = h("p", {class: "result", role: "alert", id: "login-token-result"});
  const trader = h("form", {id: "login-trader", class: "panel", onsubmit: async (event) => {
    event.preventDefault();
    const data = new FormData(trader);
    try {
      const answer = await call("POST", "/v1/sessions", {
        username: data.get("username"), password: data.get("password"), trader: data.get("trader")}, null);
      setSession({role: "trader", token: answer.token, member: answer.member, trader: answer.trader, ors: answer.ors});
      next();
    } catch (refusal) {
      showRefusal(traderResult, refusal);
    }
  }},
    h("h2", {}, t("login.trader")),
    field("username", {name: "username", id: "login-username", autocomplete: "username"}),
    field("password", {name: "password", id: "login-password", type: "password", autocomplete: "current-password"}),
    field("trader", {name: "trader", id: "login-trader-id"}),
    h("p", {}, h("button", {type: "submit"}, t("login"))), traderResult);
  const token = h("form", {id: "login-token", class: "panel", onsubmit: async (event) => {
    event.preventDefault();
    const value = new FormData(token).get("token");
    try {
      const who = await call("GET", "/v1/whoami", undefined, value);
      setSession({role: who.role, token: value, member: who.member, trader: who.trader, ors: who.ors});
      next();
    } catch (refusal) {
      showRefusal(tokenResult, refusal);
    }
  }},
    h("h2", {}, t("login.token")),
    field("token", {name: "token", id: "login-token-value", type: "password", autocomplete: "off"}),
    h("p", {}, h("button", {type: "submit"}, t("login"))), tokenResult);
  fill(main, h("h1", {}, t("login")), h("div", {class: "grid2"}, trader, token));
  return null;
}
