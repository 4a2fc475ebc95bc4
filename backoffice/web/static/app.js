// The little the pages need from a script: refresh the dashboard, follow an import's progress
// (its three phases: invoices validated, stored, cases started).
"use strict";

function refreshEvery(element) {
  const url = element.dataset.refresh;
  const every = Number(element.dataset.every || 5000);
  setInterval(async () => {
    const response = await fetch(url, { credentials: "same-origin" });
    if (response.ok) element.innerHTML = await response.text();
  }, every);
}

function followImport(element) {
  const url = element.dataset.progress;
  const timer = setInterval(async () => {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!response.ok) return;
    const job = await response.json();
    for (const [phase, count] of Object.entries(job.phases)) {
      const row = element.querySelector(`[data-phase="${phase}"]`);
      if (!row) continue;
      row.querySelector("progress").max = count.total || 1;
      row.querySelector("progress").value = count.done;
      row.querySelector(".count").textContent = `${count.done} / ${count.total}`;
    }
    if (job.finished) {
      clearInterval(timer);
      window.location.reload();
    }
  }, 700);
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-refresh]").forEach(refreshEvery);
  document.querySelectorAll("[data-progress]").forEach((element) => {
    if (element.querySelector(".state").textContent.trim() !== "terminé") followImport(element);
  });
});
