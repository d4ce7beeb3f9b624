// Charts of live financial data: TradingView Lightweight Charts, vendored (no network at run
// time). A chart's numbers are for drawing only; every figure the page states as text is the
// exchange's exact string.

import {createChart, HistogramSeries, LineSeries} from "../vendor/lightweight-charts.mjs";

const THEME = {
  layout: {background: {color: "transparent"}, textColor: "#8b949e", fontSize: 11},
  grid: {vertLines: {color: "#21262d"}, horzLines: {color: "#21262d"}},
  timeScale: {timeVisible: true, secondsVisible: false, borderColor: "#30363d"},
  rightPriceScale: {borderColor: "#30363d"},
  autoSize: true,
};

/** A line of values over the day (an index, a price). */
export function lineChart(element, options = {}) {
  const chart = createChart(element, {...THEME, ...options});
  const line = chart.addSeries(LineSeries, {color: "#58a6ff", lineWidth: 2, priceLineVisible: false});
  return {chart, line};
}

/** One more line on a chart. */
export function addLine(chart, options) {
  return chart.addSeries(LineSeries, {lineWidth: 2, priceLineVisible: false, ...options});
}

/** A small line without axes, for the index strip. */
export function sparkline(element) {
  return lineChart(element, {
    rightPriceScale: {visible: false}, leftPriceScale: {visible: false},
    timeScale: {visible: false}, grid: {vertLines: {visible: false}, horzLines: {visible: false}},
    crosshair: {vertLine: {visible: false}, horzLine: {visible: false}},
    handleScroll: false, handleScale: false,
    layout: {...THEME.layout, attributionLogo: false},
  });
}

/** Price as a line and volume as bars beneath it. */
export function priceVolumeChart(element) {
  const {chart, line} = lineChart(element);
  const volume = chart.addSeries(HistogramSeries, {color: "#30363d", priceScaleId: "volume",
                                                   priceFormat: {type: "volume"}});
  chart.priceScale("volume").applyOptions({scaleMargins: {top: 0.8, bottom: 0}});
  line.priceScale().applyOptions({scaleMargins: {top: 0.05, bottom: 0.25}});
  return {chart, line, volume};
}
