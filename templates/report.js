(function () {
  "use strict";
  var doc = document, body = doc.body;
  var controls = doc.getElementById("controls");
  controls.hidden = false;
  var items = Array.prototype.slice.call(doc.querySelectorAll("[data-st],tr.dr"));
  var groups = Array.prototype.slice.call(doc.querySelectorAll("section.rg,details.gg"));
  var texts = null;
  var f = {
    changes: doc.getElementById("f-changes"), oob: doc.getElementById("f-oob"),
    conn: doc.getElementById("f-conn"), text: doc.getElementById("f-text"),
    sev: Array.prototype.slice.call(doc.querySelectorAll(".f-sev"))
  };
  var shown = doc.getElementById("shown");
  function apply() {
    var changes = f.changes.checked, oob = f.oob.checked, conn = f.conn.value;
    var q = f.text.value.trim().toLowerCase();
    var sev = {};
    f.sev.forEach(function (b) { sev[b.value] = b.checked; });
    if (q && !texts) { texts = items.map(function (el) { return el.textContent.toLowerCase(); }); }
    var objects = 0, visible = 0;
    items.forEach(function (el, i) {
      var d = el.dataset, ok = true;
      if (changes && d.st === "unchanged") { ok = false; }
      else if (oob && d.oob !== undefined) { ok = false; }
      else if (d.sev && !d.sev.split(" ").some(function (s) { return sev[s]; })) { ok = false; }
      else if (conn && d.c !== undefined && d.c.split(" ").indexOf(conn) < 0) { ok = false; }
      else if (q && texts[i].indexOf(q) < 0) { ok = false; }
      if (el.hidden === ok) { el.hidden = !ok; }
      if (d.st) {
        objects += 1;
        if (ok) { visible += 1; }
        if (d.st !== "unchanged" && el.classList.contains("oc") !== (changes && ok)) { el.classList.toggle("oc"); }
      }
    });
    groups.forEach(function (g) {
      var d = g.dataset;
      var keep = !(conn && d.c !== undefined && d.c !== conn);
      var hide = !keep || !g.querySelector("[data-st]:not([hidden])");
      if (g.hidden !== hide) { g.hidden = hide; }
    });
    shown.textContent = visible === objects ? objects + " objects" : visible + " of " + objects + " objects shown";
  }
  var timer = 0;
  function later() { clearTimeout(timer); timer = setTimeout(apply, 150); }
  [f.changes, f.oob, f.conn].concat(f.sev).forEach(function (el) { el.addEventListener("change", apply); });
  f.text.addEventListener("input", later);
  function openAll(open) {
    doc.querySelectorAll("details.obj,details.gg,details.rule").forEach(function (d) { d.open = open; });
  }
  doc.getElementById("b-open").addEventListener("click", function () { openAll(true); });
  doc.getElementById("b-close").addEventListener("click", function () { openAll(false); });
  function reveal() {
    var el = location.hash ? doc.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
    for (var p = el; p; p = p.parentElement) { if (p.tagName === "DETAILS") { p.open = true; } }
    if (el && el.offsetParent === null && el.hidden) { el.hidden = false; }
  }
  window.addEventListener("hashchange", reveal);
  reveal();
  apply();
})();
