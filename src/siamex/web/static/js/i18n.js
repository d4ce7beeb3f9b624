// Thai and English labels. The language is the person's choice, kept in localStorage; every
// element with data-i18n takes its text from here, and pages call t() as they draw.

const LABELS = {
  "skip": ["Skip to content", "ข้ามไปยังเนื้อหา"],
  "nav.watch": ["Market watch", "ภาพรวมตลาด"],
  "nav.security": ["Security", "หลักทรัพย์"],
  "nav.desk": ["Member desk", "ส่งคำสั่งซื้อขาย"],
  "nav.risk": ["Risk desk", "ควบคุมความเสี่ยง"],
  "nav.operator": ["Operator desk", "ผู้ดูแลตลาด"],
  "nav.clearing": ["Clearing", "สำนักหักบัญชี"],
  "connection.open": ["live", "เชื่อมต่อแล้ว"],
  "connection.connecting": ["connecting…", "กำลังเชื่อมต่อ…"],
  "connection.closed": ["disconnected, retrying…", "ขาดการเชื่อมต่อ กำลังลองใหม่…"],
  "symbol": ["Symbol", "หลักทรัพย์"],
  "sign": ["Sign", "เครื่องหมาย"],
  "last": ["Last", "ล่าสุด"],
  "change": ["Chg", "เปลี่ยนแปลง"],
  "pct": ["%Chg", "%เปลี่ยนแปลง"],
  "bid": ["Bid", "เสนอซื้อ"],
  "offer": ["Offer", "เสนอขาย"],
  "bidvol": ["Bid vol", "ปริมาณเสนอซื้อ"],
  "offervol": ["Offer vol", "ปริมาณเสนอขาย"],
  "volume": ["Volume", "ปริมาณ"],
  "value": ["Value (THB)", "มูลค่า (บาท)"],
  "high": ["High", "สูงสุด"],
  "low": ["Low", "ต่ำสุด"],
  "open": ["Open", "เปิด"],
  "close": ["Close", "ปิด"],
  "average": ["Average", "เฉลี่ย"],
  "prev": ["Prior close", "ปิดก่อนหน้า"],
  "ceiling": ["Ceiling", "ราคาเพดาน"],
  "floor": ["Floor", "ราคาพื้น"],
  "phase": ["Phase", "ช่วงการซื้อขาย"],
  "filter": ["Filter symbols", "ค้นหาหลักทรัพย์"],
  "only": ["Show", "แสดง"],
  "all": ["All", "ทั้งหมด"],
  "gainers": ["Gainers", "ราคาขึ้น"],
  "losers": ["Losers", "ราคาลง"],
  "signed": ["With a sign", "มีเครื่องหมาย"],
  "traded": ["Traded", "มีการซื้อขาย"],
  "cb": ["Circuit breaker", "Circuit Breaker (หยุดการซื้อขายทั้งตลาด)"],
  "cb.until": ["until", "ถึง"],
  "book": ["Bid / offer (10 levels)", "ราคาเสนอซื้อ/ขาย (10 อันดับ)"],
  "oddlot": ["Odd lot", "หน่วยย่อย"],
  "mainboard": ["Main board", "กระดานหลัก"],
  "indicative": ["Indicative auction price", "ราคาคาดว่าจะจับคู่ (Projected Open/Close)"],
  "imbalance": ["imbalance", "ส่วนต่างคำสั่ง"],
  "ticker": ["Ticker", "รายการจับคู่ล่าสุด"],
  "time": ["Time", "เวลา"],
  "price": ["Price", "ราคา"],
  "qty": ["Quantity", "จำนวน"],
  "side": ["Side", "ฝั่ง"],
  "board": ["Board", "กระดาน"],
  "reports": ["Trade reports of the day", "รายการซื้อขายรายใหญ่/นอกเวลา (Trade report) วันนี้"],
  "none": ["none", "ไม่มี"],
  "band": ["Price band / pause", "Dynamic Price Band / Auto Pause"],
  "chart": ["Price and volume today", "ราคาและปริมาณวันนี้"],
  "choose": ["Choose a security", "เลือกหลักทรัพย์"],
  "login": ["Log in", "เข้าสู่ระบบ"],
  "logout": ["Log out", "ออกจากระบบ"],
  "login.trader": ["Trader (through an order-routing system)", "เจ้าหน้าที่การตลาด (ผ่านระบบส่งคำสั่ง ORS)"],
  "login.token": ["Risk officer or operator (token)", "เจ้าหน้าที่ควบคุมความเสี่ยงหรือผู้ดูแลตลาด (โทเคน)"],
  "username": ["ORS username", "ชื่อผู้ใช้ ORS"],
  "password": ["Password", "รหัสผ่าน"],
  "trader": ["Trader ID", "รหัสเจ้าหน้าที่"],
  "token": ["Token", "โทเคน"],
  "needs": ["Log in to use this page as", "เข้าสู่ระบบเพื่อใช้หน้านี้ในฐานะ"],
  "role.trader": ["a trader", "เจ้าหน้าที่การตลาด"],
  "role.risk_officer": ["a risk officer", "เจ้าหน้าที่ควบคุมความเสี่ยง"],
  "role.operator": ["an operator", "ผู้ดูแลตลาด"],
  "ticket": ["Order ticket", "ส่งคำสั่ง"],
  "account": ["Account", "บัญชี"],
  "buy": ["Buy", "ซื้อ"],
  "sell": ["Sell", "ขาย"],
  "type": ["Type", "ประเภทคำสั่ง"],
  "validity": ["Validity", "อายุคำสั่ง"],
  "expire": ["Expiry date (GTD)", "วันหมดอายุ (GTD)"],
  "published": ["Iceberg: shown qty", "จำนวนที่แสดง (Iceberg)"],
  "short": ["Short sale", "ขายชอร์ต"],
  "nvdr": ["NVDR", "NVDR"],
  "orders": ["My orders today", "คำสั่งของฉันวันนี้"],
  "trades": ["My trades today", "รายการจับคู่ของฉันวันนี้"],
  "status": ["Status", "สถานะ"],
  "filled": ["Filled", "จับคู่แล้ว"],
  "leaves": ["Left", "คงเหลือ"],
  "code": ["Code", "รหัส"],
  "amend": ["Amend", "แก้ไข"],
  "cancel": ["Cancel", "ยกเลิก"],
  "new_qty": ["New quantity", "จำนวนใหม่"],
  "new_price": ["New price", "ราคาใหม่"],
  "accepted": ["Accepted", "ตลาดรับคำสั่งแล้ว"],
  "not_sent": ["Not sent", "ไม่ได้ส่ง"],
  "scopes": ["Pre-trade limits and kill switches", "วงเงินและ Kill Switch"],
  "scope": ["Scope", "ขอบเขต"],
  "credit": ["Credit limit (THB)", "วงเงินเครดิต (บาท)"],
  "max_value": ["Max value per order (THB)", "มูลค่าสูงสุดต่อคำสั่ง (บาท)"],
  "max_volume": ["Max volume per order", "ปริมาณสูงสุดต่อคำสั่ง"],
  "price_band": ["Price check (bp)", "ตรวจสอบราคา (bp)"],
  "exposure": ["Exposure (THB)", "ภาระ (บาท)"],
  "kill": ["Kill switch", "Kill Switch"],
  "kill.on": ["Press the kill switch", "กด Kill Switch"],
  "kill.off": ["Release", "ปลด Kill Switch"],
  "kill.confirm": ["Press the kill switch of", "ยืนยันกด Kill Switch ของ"],
  "kill.explain": ["Every resting order of this scope is cancelled and its new orders refused until it is released.",
                   "คำสั่งที่ค้างอยู่ทั้งหมดของขอบเขตนี้จะถูกยกเลิก และคำสั่งใหม่จะถูกปฏิเสธจนกว่าจะปลด"],
  "kill.done": ["Kill switch on: orders cancelled", "Kill Switch ทำงานแล้ว: คำสั่งที่ถูกยกเลิก"],
  "confirm": ["Confirm", "ยืนยัน"],
  "back": ["Go back", "ย้อนกลับ"],
  "set_limits": ["Set limits", "ตั้งวงเงิน"],
  "audit": ["Audit trail", "บันทึกการตรวจสอบ (Audit trail)"],
  "date": ["Date", "วันที่"],
  "event": ["Event", "เหตุการณ์"],
  "load": ["Load", "โหลด"],
  "csv": ["Download CSV", "ดาวน์โหลด CSV"],
  "halt": ["Halt", "หยุดพักการซื้อขาย (H)"],
  "suspend": ["Suspend", "ห้ามซื้อขาย (SP)"],
  "resume": ["Resume", "ให้ซื้อขายต่อ"],
  "signs": ["Signs", "เครื่องหมาย"],
  "level": ["Surveillance level", "ระดับการกำกับ"],
  "pause": ["Start level 3's pause", "เริ่มพักการซื้อขายระดับ 3"],
  "apply": ["Apply", "ดำเนินการ"],
  "on": ["Post", "ขึ้น"],
  "off": ["Remove", "ปลด"],
  "registry": ["Order-routing systems and traders", "ระบบส่งคำสั่ง (ORS) และเจ้าหน้าที่"],
  "approve": ["Approve", "อนุมัติ"],
  "schedule": ["Session schedule", "ตารางช่วงการซื้อขาย"],
  "market_controls": ["Security controls", "ควบคุมหลักทรัพย์"],
  "member": ["Member", "สมาชิก"],
  "state": ["State", "สถานะ"],
  "days": ["Cleared days", "วันที่หักบัญชีแล้ว"],
};

const STORE = "siamex.lang";
let language = localStorage.getItem(STORE) === "th" ? "th" : "en";
const listeners = new Set();

/** The label of `key` in the chosen language (the key itself when none is known). */
export function t(key) {
  const label = LABELS[key];
  return label ? label[language === "th" ? 1 : 0] : key;
}

export function lang() {
  return language;
}

export function setLang(value) {
  language = value === "th" ? "th" : "en";
  localStorage.setItem(STORE, language);
  document.documentElement.lang = language;
  translate(document);
  for (const listener of listeners) listener(language);
}

export function onLang(listener) {
  listeners.add(listener);
}

/** Set every data-i18n element's text under `root`. */
export function translate(root) {
  for (const element of root.querySelectorAll("[data-i18n]")) element.textContent = t(element.dataset.i18n);
}
