// "Kopieer" buttons: copy the text of the element named in data-copy, and say so for screen readers.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy]");
  if (!button) return;
  var source = document.getElementById(button.getAttribute("data-copy"));
  var status = document.getElementById(button.getAttribute("data-copy") + "-status");
  var text = source.value !== undefined ? source.value : source.textContent;
  var done = function () { if (status) status.textContent = button.getAttribute("data-copied"); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, function () { source.select(); document.execCommand("copy"); done(); });
  } else {
    source.select();
    document.execCommand("copy");
    done();
  }
});
