// Form confirmations and single-submit buttons, declared with data- attributes: the CSP allows no inline handlers.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (form.hasAttribute("data-submit-once")) {
      form.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
    }
  });
})();
