// Loaded before require.js and the ipywidgets manager (embed-amd.js); see cvcourse/book_html.py.
(function () {
  // 1. The widget manager finds its fonts relative to its own module id, which require.js would
  //    resolve next to the page. Map that id to this folder (_static), where the fonts are.
  var here = new URL(".", document.currentScript.src).href;
  window.require = { paths: { "@jupyter-widgets/html-manager/dist": here } };
  // 2. Widgets typeset their labels with MathJax 2's MathJax.Hub.Queue; the book loads MathJax 3,
  //    which has no Hub. Give it one that forwards to MathJax 3 (deferred scripts, MathJax among
  //    them, have run by DOMContentLoaded; widgets render later, on load).
  document.addEventListener("DOMContentLoaded", function () {
    var mj = window.MathJax;
    if (mj && !mj.Hub) {
      mj.Hub = {
        Queue: function (command) {
          var element = command && command[2];
          if (element && mj.typesetPromise) {
            mj.typesetPromise([element]).catch(function () {});
          }
        },
      };
    }
  });
})();
