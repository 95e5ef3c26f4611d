// A print button (the CSP forbids inline handlers).
"use strict";
document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));
