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

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-autosave]");
    if (form) {
      form.addEventListener("change", function () { save(form); });
    }
    var error = document.getElementById("fout");
    if (error) { error.focus(); }
  });
})();
