// "Open in nieuw venster" inside an LMS frame. On https the frame's cookies are partitioned
// (kept for the LMS's site only), so a plain link would open the page without the person's
// session. Ask the tool, from inside the frame, for a one-time link that signs the person in
// there, and open that; the plain link stays the fallback.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-new-window]") : null;
    var token = document.querySelector('meta[name="csrf-token"]');
    if (!link || !token || !window.fetch) { return; }
    event.preventDefault();
    var opened = window.open("", "_blank");  // now, within the click, so no popup blocker stops it
    if (!opened) { window.location.href = link.href; return; }
    opened.opener = null;
    fetch(link.dataset.newWindow, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json",
                 "X-CSRFToken": token.content },
      body: "next=" + encodeURIComponent(window.location.pathname + window.location.search)
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (answer) {
      opened.location.href = answer.url;
    }).catch(function () {
      opened.location.href = link.href;
    });
  });
})();
