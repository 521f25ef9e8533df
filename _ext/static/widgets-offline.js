// Lets the ipywidgets HTML manager run from the book's own files, with no network.
// Loaded just before @jupyter-widgets/html-manager/dist/embed-amd.js (see _config.yml).

// 1. The manager finds its icon fonts next to its AMD modules, which RequireJS resolves against
//    its baseUrl: by default the page's own folder. Make it the folder this script is served
//    from, the book's _static/, whatever the depth of the page.
require.config({ baseUrl: new URL(".", document.currentScript.src).href });

// 2. ipywidgets typesets labels with MathJax 2's `MathJax.Hub.Queue`; the book loads MathJax 3,
//    which has no Hub. Translate the call, before and after MathJax 3 has started.
function typesetLikeMathJax2(command) {
  const element = command[2];
  if (window.MathJax && window.MathJax.typesetPromise) {
    window.MathJax.typesetPromise([element]);
  }
}
window.MathJax = window.MathJax || {};
window.MathJax.Hub = { Queue: typesetLikeMathJax2 };
window.MathJax.startup = {
  ready() {
    window.MathJax.startup.defaultReady();
    window.MathJax.Hub = { Queue: typesetLikeMathJax2 };
  },
};
