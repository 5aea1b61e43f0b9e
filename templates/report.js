(function () {
  "use strict";
  var doc = document, body = doc.body, root = doc.documentElement;
  var slice = function (list) { return Array.prototype.slice.call(list); };
  var controls = doc.getElementById("controls");
  controls.hidden = false;

  // The sticky bar's height is the page's scroll padding: a link target or a focused element
  // never lands under it, however the bar wraps on a narrow window.
  function pad() { root.style.setProperty("--bar", controls.offsetHeight + "px"); }
  pad();
  if (window.ResizeObserver) { new ResizeObserver(pad).observe(controls); }
  else { window.addEventListener("resize", pad); }

  // --- objects that start closed: their table is built from its <noscript> text when opened --
  function lazyData(d) { return d.querySelector(":scope > noscript.lazy"); }
  function build(d) {
    var data = lazyData(d);
    if (!data) { return false; }
    data.insertAdjacentHTML("afterend", data.textContent);
    data.remove();
    // an equal value is kept once (a smaller page); it is shown in both columns
    slice(d.querySelectorAll("td.eq2")).forEach(function (td) {
      td.removeAttribute("colspan");
      td.removeAttribute("class");
      td.after(td.cloneNode(true));
    });
    return true;
  }
  // Opened objects are built when they come near the screen: "Expand all" on thousands of
  // objects builds only what is looked at.
  var watch = window.IntersectionObserver ? new IntersectionObserver(function (entries) {
    var built = false;
    entries.forEach(function (e) {
      if (!e.isIntersecting) { return; }
      watch.unobserve(e.target);
      if (e.target.open && build(e.target)) { built = true; }
    });
    if (built) { highlightSoon(); }
  }, { rootMargin: "100% 0px" }) : null;
  doc.addEventListener("toggle", function (e) {
    var d = e.target;
    if (d.open && (d.classList.contains("obj") || d.classList.contains("rule")) && lazyData(d)) {
      if (watch) { watch.observe(d); } else { build(d); }
    }
  }, true);

  // --- filters --------------------------------------------------------------------------------
  var items = slice(doc.querySelectorAll("[data-st],tr.dr"));
  var groups = slice(doc.querySelectorAll("section.rg,details.gg"));
  var follows = slice(doc.querySelectorAll("[data-for]"));
  // the rule group (connector and direction) or feature block each item sits in, or -1
  var groupIndex = new Map();
  groups.forEach(function (g, n) { groupIndex.set(g, n); });
  var groupOf = items.map(function (el) {
    var g = el.closest("section.rg,details.gg");
    return g ? groupIndex.get(g) : -1;
  });
  var unchangedSummary = doc.getElementById("summary-unchanged");
  var f = {
    changes: doc.getElementById("f-changes"), oob: doc.getElementById("f-oob"),
    conn: doc.getElementById("f-conn"), text: doc.getElementById("f-text"),
    print: doc.getElementById("f-print"),
    sev: slice(doc.querySelectorAll(".f-sev"))
  };
  var shown = doc.getElementById("shown");
  var ENTITIES = { lt: "<", gt: ">", amp: "&", quot: "\"", "#34": "\"", "#39": "'" };
  function plain(html) {
    return html.replace(/<[^>]*>/g, " ").replace(/&(lt|gt|amp|quot|#34|#39);/g,
      function (m, name) { return ENTITIES[name]; });
  }
  function textOf(el) {
    var data = el.tagName === "DETAILS" ? lazyData(el) : null;
    if (!data) { return el.textContent.toLowerCase(); }
    var head = el.querySelector(":scope > summary").textContent;
    return (head + " " + plain(data.textContent)).toLowerCase();
  }
  // The searchable text of each item, prepared in idle time after load so that the first
  // search does not wait for thousands of closed objects to be read.
  var texts = [], lastQuery = "", matched = [];
  function prepareTexts(deadline) {
    while (texts.length < items.length && (!deadline || deadline.timeRemaining() > 2)) {
      texts.push(textOf(items[texts.length]));
    }
    if (texts.length < items.length && deadline) { idle(prepareTexts); }
  }
  var idle = window.requestIdleCallback || function (fn) {
    setTimeout(function () { fn({ timeRemaining: function () { return 8; } }); }, 50);
  };
  //: Objects a search opens at most (the first matches); the rest stay listed, closed.
  var SEARCH_OPENS = 20;
  function apply() {
    var changes = f.changes.checked, oob = f.oob.checked, conn = f.conn.value;
    var q = f.text.value.trim().toLowerCase();
    var sev = {};
    f.sev.forEach(function (b) { sev[b.value] = b.checked; });
    if (q) { prepareTexts(null); }
    var objects = 0, visible = 0, state = {}, matches = [];
    // Few elements change per control: "only show changes" is one class on <body>, and a
    // connector hides whole rule groups, not each of their rules.
    if (body.classList.contains("only-changes") !== changes) { body.classList.toggle("only-changes"); }
    var keepGroup = groups.map(function (g) {
      return !(conn && g.dataset.c !== undefined && g.dataset.c !== conn);
    });
    var anyShown = groups.map(function () { return false; });
    items.forEach(function (el, i) {
      var d = el.dataset, g = groupOf[i], own = true;
      if (oob && d.oob !== undefined) { own = false; }
      else if (d.sev && !d.sev.split(" ").some(function (s) { return sev[s]; })) { own = false; }
      else if (conn && g < 0 && d.c !== undefined && d.c.split(" ").indexOf(conn) < 0) { own = false; }
      else if (q && texts[i].indexOf(q) < 0) { own = false; }
      if (el.hidden === own) { el.hidden = !own; }
      var ok = own && !(changes && d.st === "unchanged") && (g < 0 || keepGroup[g]);
      if (g >= 0 && ok) { anyShown[g] = true; }
      if (d.st) {
        objects += 1;
        if (ok) { visible += 1; }
        if (el.id) { state[el.id] = ok; }
        if (d.st !== "unchanged" && el.classList.contains("oc") !== (changes && ok)) { el.classList.toggle("oc"); }
        if (ok && q && el.tagName === "DETAILS") { matches.push(el); }
      }
    });
    groups.forEach(function (g, n) {
      var hide = !anyShown[n];
      if (g.hidden !== hide) { g.hidden = hide; }
      state[g.id] = !hide;
    });
    // the summary's rows and the contents' entries follow what they link to
    follows.forEach(function (el) {
      var ok = state[el.dataset.for];
      var hide = ok === false;
      if (el.hidden !== hide) { el.hidden = hide; }
    });
    if (unchangedSummary) {
      var none = !unchangedSummary.querySelector("tr[data-for]:not([hidden])");
      if (unchangedSummary.hidden !== none) { unchangedSummary.hidden = none; }
    }
    matched = matches;
    if (q && q !== lastQuery) {
      matches.slice(0, SEARCH_OPENS).forEach(function (d) { if (!d.open) { d.open = true; } });
    }
    lastQuery = q;
    shown.textContent = (visible === objects ? objects + " objects" : visible + " of " + objects + " objects shown")
      + (q ? ", " + matches.length + " matching" : "");
    highlightSoon();
  }
  var timer = 0;
  function later() { clearTimeout(timer); timer = setTimeout(apply, 150); }
  [f.changes, f.oob, f.conn].concat(f.sev).forEach(function (el) { el.addEventListener("change", apply); });
  f.text.addEventListener("input", later);
  f.text.addEventListener("change", function () { clearTimeout(timer); apply(); });

  // --- search highlights (CSS Custom Highlight API: no change to the page's elements) ----------
  var canHighlight = window.CSS && CSS.highlights && window.Highlight;
  var MAX_MARKS = 2000;
  var marks = canHighlight ? new Highlight() : null;
  if (canHighlight) { CSS.highlights.set("dc-search", marks); }
  var markJob = 0;
  // Marks the query in the lists at the top and in the matching objects, a few milliseconds
  // at a time, so that the page stays responsive while a large report is searched.
  function highlight() {
    if (!canHighlight) { return; }
    var job = ++markJob;
    marks.clear();
    var q = f.text.value.trim().toLowerCase();
    if (!q) { return; }
    var roots = slice(doc.querySelectorAll("#differences,#summary,#toc")).concat(matched);
    var k = 0, walker = null;
    function step() {
      if (job !== markJob) { return; }
      var until = performance.now() + 8;
      for (var seen = 0; marks.size < MAX_MARKS; seen++) {
        if (seen % 64 === 63 && performance.now() > until) { setTimeout(step, 0); return; }
        if (!walker) {
          if (k >= roots.length) { return; }
          walker = doc.createTreeWalker(roots[k++], NodeFilter.SHOW_TEXT);
        }
        var n = walker.nextNode();
        if (!n) { walker = null; continue; }
        var text = n.data.toLowerCase();
        var at = text.indexOf(q);
        if (at < 0 || n.parentElement.closest("[hidden],noscript,script")) { continue; }
        for (; at >= 0 && marks.size < MAX_MARKS; at = text.indexOf(q, at + q.length)) {
          var r = new Range();
          r.setStart(n, at);
          r.setEnd(n, at + q.length);
          marks.add(r);
        }
      }
    }
    step();
  }
  var pending = false;
  function highlightSoon() {
    if (pending || !canHighlight) { return; }
    pending = true;
    // after the next paint: the filtered page shows first, the marks a moment later
    requestAnimationFrame(function () { setTimeout(function () { pending = false; highlight(); }, 0); });
  }

  // --- expand and collapse ---------------------------------------------------------------------
  //: Opening more objects than this asks first.
  var ASK_OVER = 300;
  function openAll(open) {
    var all = slice(doc.querySelectorAll("details.obj,details.gg,details.rule"));
    var onlyChanges = f.changes.checked;
    var targets = all.filter(function (d) {
      if (d.open === open) { return false; }
      if (!open) { return true; }
      return !d.closest("[hidden]") && !(onlyChanges && d.dataset.st === "unchanged");
    });
    var objects = targets.filter(function (d) { return d.classList.contains("obj"); }).length;
    if (open && objects > ASK_OVER && !window.confirm(
      "Open all " + objects + " objects shown? Their tables are built as you scroll. " +
      "Use the filters to open fewer.")) { return; }
    targets.forEach(function (d) { d.open = open; });
  }
  doc.getElementById("b-open").addEventListener("click", function () { openAll(true); });
  doc.getElementById("b-close").addEventListener("click", function () { openAll(false); });

  // --- links: open, build and show the target before the browser scrolls to it ----------------
  function reveal(id) {
    var el = id ? doc.getElementById(id) : null;
    if (!el) { return null; }
    for (var p = el; p; p = p.parentElement) {
      if (p.hidden) { p.hidden = false; }
      if (p.tagName === "DETAILS") { p.open = true; build(p); }
    }
    return el;
  }
  doc.addEventListener("click", function (e) {
    var a = e.target.closest ? e.target.closest("a[href^='#']") : null;
    if (a) { reveal(decodeURIComponent(a.getAttribute("href").slice(1))); }
  });
  function revealHash() {
    var el = reveal(location.hash ? decodeURIComponent(location.hash.slice(1)) : "");
    if (el) { el.scrollIntoView(); }
  }
  window.addEventListener("hashchange", revealHash);

  // --- printing: the changes only, unless "Print everything" is ticked ------------------------
  f.print.addEventListener("change", function () { body.classList.toggle("print-all", f.print.checked); });
  window.addEventListener("beforeprint", function () {
    if (!f.print.checked) { return; }
    slice(doc.querySelectorAll("details.obj,details.gg")).forEach(function (d) { d.open = true; build(d); });
  });

  if (location.hash) { revealHash(); }
  apply();
  idle(prepareTexts);
})();
