// Make the sidebar buttons a reader sees work (sphinx-book-theme 1.3 + pydata-sphinx-theme 0.17).
//
// Both themes attach their click handlers with document.querySelector(".primary-toggle") and
// document.querySelector(".secondary-toggle"): the FIRST button of each kind in the page. Those
// first buttons sit in pydata's top bar (#pst-header), which is hidden on phones and, on this
// site, everywhere (it held only a second search box). The buttons in the article header, the
// ones a reader clicks, had no handler at all. This script forwards their clicks to the
// handled buttons, so the themes' own code runs: on a narrow screen the sidebar opens as a
// dialog (closed by Escape or a click beside it); on a wide screen the ☰ hides or shows the
// navigation sidebar.
(function () {
  "use strict";
  function forward(kind) {
    const buttons = Array.from(document.querySelectorAll("button." + kind + "-toggle"));
    const handled = buttons[0];
    buttons.slice(1).forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        event.stopPropagation();
        handled.click();
        const sidebar = document.getElementById("pst-" + kind + "-sidebar");
        if (sidebar) {
          button.setAttribute(
            "aria-expanded",
            String(!sidebar.classList.contains("pst-sidebar-hidden")),
          );
        }
      });
    });
  }
  function init() {
    forward("primary");
    forward("secondary");
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
