/*
 * The ipywidgets HTML manager (embed-amd.js) defines its AMD modules
 * (@jupyter-widgets/base, .../controls, ...) and each one locates the fonts it
 * ships (Font Awesome, for widget icons) from its own RequireJS address.
 * Without a path for those names RequireJS resolves them against the page's
 * folder, where the fonts are not, and every widget page logs 404s. Map each
 * name into the folder this site serves the manager from: html-manager/, next
 * to this script. Loaded after require.js, before embed-amd.js.
 */
(function () {
  "use strict";
  var here = document.currentScript && document.currentScript.src;
  if (!here || typeof window.require === "undefined" || !window.require.config) {
    return;
  }
  var manager = new URL("html-manager/", here).href; // .../_vendor/html-manager/
  // The module names embed-amd.js defines: define("<name>", ...).
  var names = ["base", "base7", "controls", "controls7", "html-manager"];
  var paths = { "@jupyter-widgets/html-manager/dist": manager.replace(/\/$/, "") };
  names.forEach(function (name) {
    paths["@jupyter-widgets/" + name] = manager + name;
  });
  window.require.config({ paths: paths });
})();
