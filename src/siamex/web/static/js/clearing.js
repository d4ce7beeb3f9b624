// The clearing pages: the days the clearing house cleared (GET /v1/clearing/days) and, per
// member, a day's statement (GET /v1/clearing/days/{date}): net obligations, settlement (due
// against done), fails, loans, collateral and calls, fees, fines and bills, and on a TFEX day
// the positions and margin, each table as the report has it, with a CSV download; and the
// member's collateral against its requirement over the cleared days as a chart. An operator
// sees every member; a risk officer its own (docs/drop-copy.md, decision 88).

import {call} from "./api.js";
import {addLine, lineChart} from "./chart.js";
import {h, fill, download, showRefusal} from "./dom.js";
import {plotted} from "./format.js";
import {t} from "./i18n.js";
import {needs} from "./login.js";
import {session} from "./session.js";

/** The tables a statement shows first, in this order; any other table of the report follows. */
const FIRST = ["status", "obligations", "securities", "cash", "settlement", "fails", "payment_fails",
               "loans", "risk", "collateral", "remedies", "fees", "fines", "bills", "fund",
               "defaults", "positions", "margin", "calls"];
const CHART = "#clearing-chart";

function shown(value) {
  if (value === null || value === undefined) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function csvCell(value) {
  const text = shown(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A table's rows as CSV, columns in the order of its first row. */
export function toCsv(rows) {
  if (!rows.length) return "";
  const columns = Object.keys(rows[0]);
  return [columns.join(","), ...rows.map((row) => columns.map((c) => csvCell(row[c])).join(","))].join("\n") + "\n";
}

function table(name, rows, date, member) {
  const columns = Object.keys(rows[0]);
  return h("section", {class: "panel", "data-table": name},
    h("h2", {}, `${name} (${rows.length})`,
      " ", h("button", {type: "button", class: "csv", onclick: () => download(`${member}-${date}-${name}.csv`, toCsv(rows), "text/csv")}, t("csv"))),
    h("div", {class: "scroll"}, h("table", {"aria-label": name},
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", {scope: "col", class: "text"}, c)))),
      h("tbody", {}, rows.map((row) => h("tr", {}, columns.map((c) => h("td", {class: "text"}, shown(row[c])))))))));
}

function statement(member, data, date) {
  const names = [...FIRST.filter((name) => name in data), ...Object.keys(data).filter((name) => !FIRST.includes(name)).sort()];
  const parts = [];
  for (const name of names) {
    const value = data[name];
    if (Array.isArray(value)) {
      if (value.length) parts.push(table(name, value, date, member));
    } else {
      parts.push(h("p", {"data-field": name}, `${name}: `, shown(value)));
    }
  }
  return parts;
}

export function render(main) {
  const me = session();
  if (me?.role !== "risk_officer" && me?.role !== "operator") {
    needs(main, ["risk_officer", "operator"], "clearing");
    return null;
  }
  const result = h("div", {class: "result", id: "clearing-result", role: "status"});
  const daysBody = h("tbody");
  const memberSelect = h("select", {id: "clearing-member", "aria-label": t("member")});
  const dayBox = h("div", {id: "clearing-day"});
  const chartBox = h("div", {class: "chart", id: CHART.slice(1), role: "img", "aria-label": "collateral against requirement"});
  let chart = null;
  let gone = false;  // the page was left: nothing more is drawn
  const reports = new Map();  // date -> the day's report, asked for once
  let report = null;
  let date = null;
  let days = [];

  fill(main, h("h1", {}, t("nav.clearing")), result,
    h("div", {class: "grid2"},
      h("section", {class: "panel"}, h("h2", {}, t("days")),
        h("table", {id: "clearing-days"}, h("thead", {}, h("tr", {},
          h("th", {scope: "col", class: "text"}, t("date")), h("th", {scope: "col", class: "text"}, t("state")))), daysBody)),
      h("section", {class: "panel"}, h("h2", {}, "collateral / requirement (THB)"), chartBox)),
    h("div", {class: "toolbar"}, h("label", {}, t("member"), memberSelect)),
    dayBox);

  function showDay() {
    if (!report) return;
    const member = memberSelect.value;
    const data = report.members[member];
    fill(dayBox, h("h2", {id: "clearing-title"}, `${date} · ${member}`),
      h("p", {}, `trade dates: ${report.trade_dates.join(", ") || "-"} · settlement: ${report.settlement_dates.map((s) => `${s.settlement_date} ${s.settled_in_full ? "in full" : "with fails"}`).join(", ") || "-"}`),
      data ? statement(member, data, date) : h("p", {class: "muted"}, t("none")));
    drawChart(member);
  }

  /** A day's report, asked for once while the page is open. */
  function reportOf(day) {
    if (!reports.has(day)) reports.set(day, call("GET", `/v1/clearing/days/${day}`));
    return reports.get(day);
  }

  async function open(day) {
    try {
      report = await reportOf(day);
      if (gone) return;
      date = day;
      const members = Object.keys(report.members);
      const kept = memberSelect.value;
      fill(memberSelect, members.map((m) => h("option", {value: m}, m)));
      if (members.includes(kept)) memberSelect.value = kept;
      else if (me.member && members.includes(me.member)) memberSelect.value = me.member;
      showDay();
    } catch (refusal) {
      showRefusal(result, refusal);
    }
  }

  /** The member's requirement and collateral held at each cleared day's risk measure. */
  async function drawChart(member) {
    const done = days.filter((d) => d.state === "done");
    const each = await Promise.all(done.map((d) => reportOf(d.date).catch(() => null)));
    if (gone) return;
    const required = [];
    const held = [];
    done.forEach((d, i) => {
      const risk = each[i]?.members?.[member]?.risk?.[0];
      if (!risk) return;
      const time = Date.parse(`${d.date}T00:00:00Z`) / 1000;
      required.push({time, value: plotted(risk.required)});
      held.push({time, value: plotted(risk.held)});
    });
    if (!chart) {
      chart = lineChart(chartBox);
      chart.held = addLine(chart.chart, {color: "#3fb950", title: "held"});
      chart.line.applyOptions({color: "#f85149", title: "required"});
    }
    chart.line.setData(required);
    chart.held.setData(held);
    chart.chart.timeScale().fitContent();
    chartBox.dataset.points = String(required.length);
  }

  memberSelect.addEventListener("change", showDay);
  call("GET", "/v1/clearing/days").then((answer) => {
    days = answer.days;
    fill(daysBody, days.map((d) => h("tr", {"data-date": d.date},
      h("td", {class: "text"}, d.state === "done"
        ? h("a", {href: "#/clearing", onclick: (event) => { event.preventDefault(); open(d.date); }}, d.date) : d.date),
      h("td", {class: "text"}, d.error ? `${d.state}: ${d.error}` : d.state))));
    const last = [...days].reverse().find((d) => d.state === "done");
    if (last) open(last.date);
  }).catch((refusal) => {
    showRefusal(result, refusal);
  });
  return () => {
    gone = true;
    chart?.chart.remove();
  };
}
