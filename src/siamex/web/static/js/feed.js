// The market-data WebSocket (/v1/market-data, docs/market-data-web.md) as the pages follow it:
// one connection for the tab, a state per channel kept by the protocol's rules (a snapshot
// replaces the state; each update applies to it; a gap in `seq` asks for a fresh snapshot),
// and the pages told after each message what changed.

import {satang} from "./format.js";

const MARKET = "market";

function emptyDay() {
  return {open: null, high: null, low: null, last: null, volume: 0, value: "0.00", trades: 0};
}

/** Apply a security-level update to a security's state (the market channel's and the
 * security channel's alike). */
function applySecurity(security, message) {
  switch (message.type) {
    case "trade":
      security.last = message.trade;
      security.stats = message.stats;
      break;
    case "phase":
      security.phase = message.phase;
      security.indicative = null;
      break;
    case "status":
      security.statuses.push(message.status);
      break;
    case "indicative":
      security.indicative = message.indicative;
      break;
    case "auction":
      security.auction = message.auction;
      security.indicative = null;
      break;
    case "summary":
      security.summary = message.summary;
      break;
    case "limits":
      security.limits = message.limits;
      security.statuses = [];
      security.stats = emptyDay();
      security.last = security.indicative = security.auction = security.summary = null;
      break;
    case "best":
      security.best = message.best;
      break;
  }
}

function sortLevels(levels, side) {
  return levels.sort((a, b) => {
    if (a[0] === null) return -1;
    if (b[0] === null) return 1;
    const difference = satang(a[0]) - satang(b[0]);
    const order = difference > 0n ? 1 : difference < 0n ? -1 : 0;
    return side === "B" ? -order : order;
  });
}

function applyDepth(book, message) {
  const board = book[message.board] ?? (book[message.board] = {B: [], S: []});
  const levels = board[message.side];
  for (const level of message.levels) {
    const at = levels.findIndex((held) => held[0] === level[0]);
    if (level[1] === 0) {
      if (at >= 0) levels.splice(at, 1);
    } else if (at >= 0) {
      levels[at] = level;
    } else {
      levels.push(level);
    }
  }
  sortLevels(levels, message.side);
}

function applyMarket(market, message) {
  const symbol = message.symbol;
  if (message.type === "limits" && symbol && !market.securities[symbol]) {
    market.securities[symbol] = {symbol, limits: message.limits, phase: null, statuses: [],
                                 last: null, stats: emptyDay(), indicative: null, auction: null,
                                 summary: null, best: {bid: null, ask: null}};
    return;
  }
  if (symbol) {
    const security = market.securities[symbol];
    if (security) applySecurity(security, message);
    return;
  }
  switch (message.type) {
    case "phase":
      market.phase = message.phase;
      for (const security of Object.values(market.securities)) {
        security.phase = message.phase;
        security.indicative = null;
      }
      break;
    case "status":
      market.statuses.push(message.status);
      break;
    case "index":
      market.indices[message.name] = message.index;
      break;
    case "system":
      market.event = message.event;
      if (message.event === "S") market.statuses = [];
      break;
  }
}

/** One tab's market data: `follow(channel, listener)` calls `listener(state, message)` after
 * the channel's snapshot and after each update; it returns a function that stops following. */
export class MarketFeed {
  constructor(url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/v1/market-data`) {
    this.url = url;
    this.channels = new Map();  // channel -> {state, seq, listeners}
    this.asked = [];  // the requests not yet answered, in order: the server answers in order
    this.statusListeners = new Set();
    this.socket = null;
    this.retry = 250;
    this.connect();
  }

  connect() {
    this.setStatus("connecting");
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.retry = 250;
      this.asked = [];
      this.setStatus("open");
      for (const channel of this.channels.keys()) this.send("subscribe", channel);
    };
    socket.onmessage = (event) => this.receive(JSON.parse(event.data));
    socket.onclose = () => {
      this.setStatus("closed");
      for (const entry of this.channels.values()) entry.seq = null;
      setTimeout(() => this.connect(), this.retry);
      this.retry = Math.min(this.retry * 2, 5000);
    };
  }

  setStatus(status) {
    this.status = status;
    for (const listener of this.statusListeners) listener(status);
  }

  onStatus(listener) {
    this.statusListeners.add(listener);
    listener(this.status);
  }

  send(op, channel) {
    if (this.socket?.readyState !== WebSocket.OPEN) return;
    this.asked.push({op, channel});
    this.socket.send(JSON.stringify({op, channel}));
  }

  /** The request an answer answers: the oldest one asked (an error names no channel). */
  answered() {
    return this.asked.shift();
  }

  follow(channel, listener) {
    let entry = this.channels.get(channel);
    if (!entry) {
      entry = {state: null, seq: null, listeners: new Set()};
      this.channels.set(channel, entry);
      this.send("subscribe", channel);
    } else if (entry.state) {
      listener(entry.state, {type: "snapshot", channel});
    }
    entry.listeners.add(listener);
    return () => {
      entry.listeners.delete(listener);
      if (!entry.listeners.size && this.channels.get(channel) === entry) {  // not if refused
        this.channels.delete(channel);
        this.send("unsubscribe", channel);
      }
    };
  }

  receive(message) {
    if (message.type === "error") {
      const request = this.answered();
      const entry = request?.op === "subscribe" ? this.channels.get(request.channel) : undefined;
      if (entry) {
        this.channels.delete(request.channel);  // refused: asking again would be refused again
        for (const listener of entry.listeners) listener(null, {...message, channel: request.channel});
      }
      return;
    }
    if (message.type === "unsubscribed" || (message.type === "snapshot" && message.reason !== "resync")) {
      this.answered();
    }
    const entry = this.channels.get(message.channel);
    if (!entry) return;
    if (message.type === "snapshot") {
      entry.state = message.channel === MARKET ? message.market
        : {...message.security, book: message.book};
      entry.seq = message.seq;
    } else if (message.type === "unsubscribed") {
      return;
    } else if (entry.seq === null) {
      return;  // waiting for the snapshot a (re)subscribe asked for
    } else if (message.seq !== entry.seq + 1) {
      entry.seq = null;  // a gap: ask again for the whole state
      this.send("unsubscribe", message.channel);
      this.send("subscribe", message.channel);
      return;
    } else {
      entry.seq = message.seq;
      if (message.channel === MARKET) applyMarket(entry.state, message);
      else if (message.type === "depth") applyDepth(entry.state.book, message);
      else applySecurity(entry.state, message);
    }
    for (const listener of entry.listeners) listener(entry.state, message);
  }
}

let shared = null;

/** The tab's one feed. */
export function feed() {
  if (!shared) shared = new MarketFeed();
  return shared;
}
