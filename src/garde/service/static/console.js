// garde review console: reveal on click (logged by the server), keyboard shortcuts. No build, no framework.
(function () {
  "use strict";
  var csrf = document.body.getAttribute("data-csrf") || "";
  var page = document.body.getAttribute("data-page");

  function reveal(btn) {
    if (!btn || btn.disabled) return;
    btn.disabled = true;
    fetch(btn.getAttribute("data-url"), {method: "POST", credentials: "same-origin",
                                        headers: {"X-CSRF-Token": csrf}})
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.blob(); })
      .then(function (blob) {
        var img = document.getElementById(btn.getAttribute("data-target"));
        img.src = URL.createObjectURL(blob);
        img.classList.remove("blurred");
        img.classList.add("revealed");
        btn.remove();
      })
      .catch(function (e) { btn.disabled = false; btn.textContent = btn.textContent + " (" + e.message + ")"; });
  }

  document.addEventListener("click", function (ev) {
    var t = ev.target;
    if (t && t.classList && t.classList.contains("reveal")) { reveal(t); }
    var row = t && t.closest ? t.closest("tr.case-row") : null;
    if (row && t.tagName !== "A") { window.location = row.getAttribute("data-href"); }
    // rejecting a hash entry deletes it, and a batch action touches many entries: ask first
    var asks = t && t.classList && (t.classList.contains("hash-reject") || t.classList.contains("batch-confirm") ||
                                     t.classList.contains("batch-reject"));
    if (asks && !window.confirm(t.getAttribute("data-ask"))) {
      ev.preventDefault();
    }
  });

  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.case-row, tr.entry-row"));
  var sel = -1;
  function select(i) {
    if (!rows.length) return;
    if (sel >= 0) rows[sel].classList.remove("selected");
    sel = Math.max(0, Math.min(rows.length - 1, i));
    rows[sel].classList.add("selected");
    rows[sel].scrollIntoView({block: "nearest"});
  }
  function click(id) { var b = document.getElementById(id); if (b && !b.disabled) b.click(); }

  document.addEventListener("keydown", function (ev) {
    var tag = (ev.target && ev.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var k = ev.key;
    if (k === "?") { var d = document.getElementById("help"); if (d && d.showModal) d.showModal(); return; }
    if (page === "queue") {
      if (k === "j") select(sel + 1);
      else if (k === "k") select(sel - 1);
      else if (k === "Enter" && sel >= 0) window.location = rows[sel].getAttribute("data-href");
    } else if (page === "case") {
      if (k === "v") reveal(document.querySelector("button.reveal"));
      else if (k === "c") click("btn-confirm");
      else if (k === "x") click("btn-overturn");
      else if (k === "e") click("btn-escalate");
      else if (k === "u") window.location = "/console/";
    } else if (page === "hashes") {
      if (k === "j") select(sel + 1);
      else if (k === "k") select(sel - 1);
      else if ((k === "c" || k === "x") && sel >= 0) {
        var b = rows[sel].querySelector(k === "c" ? "button.hash-confirm" : "button.hash-reject");
        if (b && !b.disabled) b.click();
      }
      else if (k === "n") click("page-next");
      else if (k === "p") click("page-prev");
      else if (k === "u") window.location = "/console/";
    }
  });
})();
