/*
 * The ipywidgets HTML manager typesets widget labels with the MathJax 2 API,
 * MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]), while this site runs
 * MathJax 3, which has no Hub: without this shim every widget with a label
 * throws a TypeError. The shim maps the call onto MathJax 3's typesetPromise,
 * and, as Jupyter does, typesets $...$ in widget labels (the site's MathJax
 * only reads \(...\) inside elements marked for processing).
 * Loaded (from the site itself) only on pages that hold saved widget state.
 */
(function () {
  "use strict";
  function install() {
    var mj = window.MathJax;
    if (!mj || !mj.version || mj.Hub) {
      return;
    }
    mj.Hub = {
      Queue: function (job) {
        var element = Array.isArray(job) ? job[2] : undefined;
        if (!element || !element.classList) {
          return Promise.resolve();
        }
        var text = element.textContent || "";
        if (text.indexOf("$") < 0 && text.indexOf("\\(") < 0) {
          return Promise.resolve();
        }
        element.textContent = text.replace(/\$([^$]+)\$/g, "\\($1\\)");
        element.classList.add("mathjax_process");
        var ready = (mj.startup && mj.startup.promise) || Promise.resolve();
        return ready.then(function () {
          if (typeof mj.typesetPromise === "function") {
            return mj.typesetPromise([element]);
          }
        }).catch(function (err) {
          console.warn("MathJax could not typeset a widget label:", err);
        });
      }
    };
  }
  install();
  // MathJax is loaded with `defer`: if it has not replaced its configuration
  // object yet, install once the deferred scripts have run (before `load`,
  // when the widget manager renders the saved widgets).
  document.addEventListener("DOMContentLoaded", install);
})();
