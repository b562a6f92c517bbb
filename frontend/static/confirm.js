// confirm.js asks before a form marked data-confirm is sent (cancelling a
// run): the question is the attribute's text. Delegated from the document,
// so forms the run page's live updates replace keep asking.
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    var question = e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      e.preventDefault();
    }
  }, true);
})();
