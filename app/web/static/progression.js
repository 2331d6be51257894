// Live progress of a plan: polls the plan's state and reloads the page once it is finished.
// Without JavaScript the page refreshes itself (meta refresh in <noscript>).
(function () {
  "use strict";
  var box = document.getElementById("progression");
  if (!box || box.dataset.final === "oui") return;
  var bar = document.getElementById("barre");
  var text = document.getElementById("etat");
  function poll() {
    fetch(box.dataset.etat, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (state) {
        if (!state) { window.setTimeout(poll, 3000); return; }
        bar.value = state.percent;
        bar.textContent = state.percent + " %";
        if (text.textContent !== state.text) text.textContent = state.text;
        if (state.final) { window.location.reload(); return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
