// The chat page: keep the newest line in view and empty the box after each htmx send.
(function () {
  "use strict";
  const lines = document.getElementById("chat-lines");
  const form = document.querySelector("[data-chat-form]");
  function toBottom() {
    if (lines) lines.scrollTop = lines.scrollHeight;
    const last = lines && lines.lastElementChild;
    if (last && last.scrollIntoView) last.scrollIntoView({ block: "nearest" });
  }
  toBottom();
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target === lines) toBottom();
  });
  if (form) {
    form.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.successful) {
        form.reset();
        form.querySelector("[name=text]").focus();
      }
    });
  }
})();
