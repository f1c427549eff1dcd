// Reader apparatus (bookbuild.sphinx.assets): what CSS alone cannot do for the provenance
// tooltips of glued numbers. A first tap on a number opens its tooltip (a second tap
// follows the link); Escape closes an open tooltip. Without this script the tooltips
// still show on hover and keyboard focus, and each number stays a plain link.
(function () {
  "use strict";
  let lastPointer = "mouse";
  document.addEventListener("pointerdown", (event) => { lastPointer = event.pointerType; }, true);

  function closeAll(except) {
    document.querySelectorAll(".sourced.is-open").forEach((el) => {
      if (el !== except) el.classList.remove("is-open");
    });
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest ? event.target.closest("a.sourced-number") : null;
    if (!link) { closeAll(null); return; }
    const holder = link.parentElement;
    if (lastPointer === "touch" && !holder.classList.contains("is-open")) {
      event.preventDefault();
      closeAll(holder);
      holder.classList.remove("is-dismissed");
      holder.classList.add("is-open");
      link.focus();
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    document.querySelectorAll(".sourced").forEach((el) => {
      if (el.classList.contains("is-open") || el.matches(":focus-within")) {
        el.classList.remove("is-open");
        el.classList.add("is-dismissed");
      }
    });
  });

  document.addEventListener("focusout", (event) => {
    const holder = event.target.closest ? event.target.closest(".sourced") : null;
    if (holder) holder.classList.remove("is-dismissed");
  });
})();
