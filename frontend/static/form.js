// form.js: the execute form's fields are re-rendered by the server when a
// field they depend on changes, and swapped in out of band
// (hx-swap-oob). htmx 2.0 does not initialise the hx- attributes inside
// such swapped elements (an entity picker's hx-get would stay dead), so
// the form is processed again after every swap; htmx skips elements it
// has initialised already.
(function () {
  "use strict";
  function reprocess() {
    var form = document.getElementById("execute-form");
    if (form && window.htmx) {
      window.htmx.process(form);
    }
  }
  document.addEventListener("htmx:oobAfterSwap", function () {
    setTimeout(reprocess, 0);
  });
})();
