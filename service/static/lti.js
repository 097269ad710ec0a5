// LTI pages that talk to the platform: LTI Platform Storage (lti.put_data / lti.get_data by
// postMessage, for browsers that block third-party cookies), auto-submitting forms (deep
// linking response) and closing the dynamic registration window.
(function () {
  "use strict";

  function storageFrame(target) {
    if (!window.parent || window.parent === window) { return null; }
    if (target === "_parent") { return window.parent; }
    try { return window.parent.frames[target] || null; } catch (e) { return null; }
  }

  function ask(frame, origin, message, answerSubject, done) {
    var id = "digitoets-" + Math.random().toString(36).slice(2);
    message.message_id = id;
    function listen(event) {
      if (event.origin !== origin || !event.data || event.data.message_id !== id) { return; }
      if (event.data.subject !== answerSubject) { return; }
      window.removeEventListener("message", listen);
      done(event.data.error ? null : event.data);
    }
    window.addEventListener("message", listen);
    frame.postMessage(message, origin);
    setTimeout(function () { window.removeEventListener("message", listen); done(null); }, 3000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var put = document.querySelector('[data-lti-storage="put"]');
    if (put) {
      var frame = storageFrame(put.dataset.target);
      var go = function () { window.location.href = put.dataset.next; };
      if (!frame) { go(); return; }
      ask(frame, put.dataset.origin, { subject: "lti.put_data", key: "state_" + put.dataset.state, value: put.dataset.state },
        "lti.put_data.response", go);
    }
    var get = document.querySelector('[data-lti-storage="get"]');
    if (get) {
      var source = storageFrame(get.dataset.target);
      if (source) {
        ask(source, get.dataset.origin, { subject: "lti.get_data", key: "state_" + get.dataset.state },
          "lti.get_data.response", function (answer) {
            if (answer && answer.value) { get.querySelector('[name="browser_state"]').value = answer.value; }
            get.submit();
          });
      }
    }
    var auto = document.querySelector("form[data-auto-submit]");
    if (auto) { auto.submit(); }
    var close = document.querySelector("[data-lti-close]");
    if (close && close.dataset.ltiClose && (window.opener || window.parent !== window)) {
      // only the LMS that is registering (the origin of its openid_configuration) hears it
      (window.opener || window.parent).postMessage({ subject: "org.imsglobal.lti.close" }, close.dataset.ltiClose);
    }
  });
})();
