// Progressive enhancement: save each answer on the server as soon as it is given, so a
// closed tab or a dropped connection loses nothing. Without script the buttons save too.
(function () {
  "use strict";

  function answerOf(form) {
    var type = form.dataset.type;
    if (type === "multiple") {
      return Array.prototype.map.call(form.querySelectorAll('input[name="answer"]:checked'), function (i) { return i.value; });
    }
    if (type === "ordering") {
      var selects = form.querySelectorAll("select");
      var ordered = [];
      var seen = {};
      for (var k = 0; k < selects.length; k++) {
        var n = parseInt(selects[k].value, 10);
        if (!n || seen[n]) { return undefined; } // not complete yet: the buttons will tell
        seen[n] = true;
        ordered.push([n, selects[k].labels[0].textContent]);
      }
      ordered.sort(function (a, b) { return a[0] - b[0]; });
      return ordered.map(function (p) { return p[1]; });
    }
    var checked = form.querySelector('input[name="answer"]:checked');
    if (!checked) { return undefined; }
    return type === "self_rating" ? parseInt(checked.value, 10) : checked.value;
  }

  function save(form) {
    var value = answerOf(form);
    if (value === undefined) { return; }
    var status = form.querySelector(".saved");
    var token = form.querySelector('input[name="csrf_token"]').value;
    fetch(form.dataset.autosave, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ item: form.dataset.item, value: value })
    }).then(function (response) {
      status.textContent = response.ok ? status.dataset.savedText : status.dataset.failedText;
    }).catch(function () {
      status.textContent = status.dataset.failedText;
    });
  }

  // Ordering: the number drop-downs stay as the no-script fallback; with script they are hidden
  // behind a list that shows the order as it is built, with Omhoog/Omlaag buttons per step
  // (keyboard and touch alike). Each move sets the drop-downs, so the form and autosave carry it.
  function enhanceOrdering(form) {
    var fallback = form.querySelector("ol.steps");
    if (!fallback) { return; }
    var texts = fallback.dataset;
    var rows = Array.prototype.map.call(fallback.querySelectorAll("li"), function (li) {
      var select = li.querySelector("select");
      return { text: select.labels[0].textContent, select: select, position: parseInt(select.value, 10) || 0 };
    });
    var complete = rows.every(function (r) { return r.position; });
    if (complete) { rows.sort(function (a, b) { return a.position - b.position; }); }
    var list = document.createElement("ol");
    list.className = "order-list";
    list.setAttribute("aria-describedby", "hint");
    var live = form.querySelector(".order-live");

    function button(label, step, direction) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "secondary small";
      b.dataset.move = direction;
      b.textContent = label;
      var name = document.createElement("span");
      name.className = "sr-only";
      name.textContent = ": " + step;
      b.appendChild(name);
      b.setAttribute("aria-label", label + ": " + step);  // one name, without the space a hidden span adds
      return b;
    }

    function render(focusStep, focusDirection) {
      list.textContent = "";
      rows.forEach(function (row, index) {
        row.select.value = String(index + 1);
        var li = document.createElement("li");
        var text = document.createElement("span");
        text.className = "step-text";
        text.textContent = row.text;
        var moves = document.createElement("span");
        moves.className = "moves";
        var up = button(texts.upText, row.text, "up");
        var down = button(texts.downText, row.text, "down");
        up.disabled = index === 0;
        down.disabled = index === rows.length - 1;
        moves.appendChild(up);
        moves.appendChild(down);
        li.appendChild(text);
        li.appendChild(moves);
        list.appendChild(li);
        if (row.text === focusStep) {
          var target = focusDirection === "up" ? (up.disabled ? down : up) : (down.disabled ? up : down);
          target.focus();
        }
      });
    }

    list.addEventListener("click", function (event) {
      var b = event.target.closest("button[data-move]");
      if (!b) { return; }
      var index = Array.prototype.indexOf.call(list.children, b.closest("li"));
      var to = b.dataset.move === "up" ? index - 1 : index + 1;
      if (to < 0 || to >= rows.length) { return; }
      var moved = rows.splice(index, 1)[0];
      rows.splice(to, 0, moved);
      render(moved.text, b.dataset.move);
      live.textContent = texts.movedText.replace("{step}", moved.text).replace("{n}", to + 1).replace("{total}", rows.length);
      form.dispatchEvent(new Event("change"));
    });

    fallback.hidden = true;
    fallback.parentNode.insertBefore(list, fallback);
    var hint = form.querySelector("#hint");
    if (hint && texts.hintText) { hint.textContent = texts.hintText; }
    render(null, null);
  }

  // A help text: the counter says how many characters are left; screen readers hear it once
  // typing pauses (a polite live region), not on every key.
  function countDown(area) {
    var shown = document.getElementById(area.dataset.counter);
    var live = document.getElementById(area.dataset.counter + "-live");
    var timer = null;
    function update() {
      var text = shown.dataset.leftText.replace("{n}", area.maxLength - area.value.length);
      shown.textContent = text;
      clearTimeout(timer);
      timer = setTimeout(function () { if (live) { live.textContent = text; } }, 800);
    }
    area.addEventListener("input", update);
    if (area.value) { update(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (window.self !== window.top) {  // inside an LMS frame: offer the tool in a window of its own
      Array.prototype.forEach.call(document.querySelectorAll(".in-frame-only"), function (el) { el.hidden = false; });
      document.documentElement.classList.add("in-frame");
    }
    var form = document.querySelector("form[data-autosave]");
    if (form) {
      enhanceOrdering(form);
      form.addEventListener("change", function () { save(form); });
    }
    Array.prototype.forEach.call(document.querySelectorAll("textarea[data-counter]"), countDown);
    var error = document.getElementById("fout");
    if (error) {
      error.focus();
    } else if (form) {  // a question page: start at the question, not at the top of the page
      var question = form.querySelector("legend [tabindex]");
      if (question) { question.focus(); }
    }
  });
})();
