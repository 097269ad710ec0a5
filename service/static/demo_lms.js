// Demo LMS (development only): post the signed launch to Digitoets at once, as an LMS does.
// Without script the page shows the button that posts the same form.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-auto-submit]");
    if (form) { form.submit(); }
  });
})();
