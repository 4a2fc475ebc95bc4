// The little the pages need from a script: refresh the dashboard, follow an import's progress.
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
    element.querySelector("progress").max = job.total || 1;
    element.querySelector("progress").value = job.done;
    element.querySelector(".count").textContent = `${job.done} / ${job.total}`;
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
