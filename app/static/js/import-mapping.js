// The mapping step: beside each column choice, show that column's first values as the choice changes.
(function () {
  const form = document.getElementById("mapping");
  if (!form) return;
  const samples = JSON.parse(form.dataset.samples || "[]");
  form.querySelectorAll("select.role").forEach(function (select) {
    const cell = form.querySelector('.samples[data-for="' + select.id + '"]');
    select.addEventListener("change", function () {
      const values = select.value === "" ? [] : samples[Number(select.value)] || [];
      cell.textContent = values.join(" · ");
    });
  });
})();
