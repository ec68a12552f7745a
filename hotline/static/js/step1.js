// Step one of the report form, enhanced: choosing a group shows its categories in place, with no page load.
// Without JavaScript the form GETs ?group= and the server shows them; the rest of the step waits until then.

/** Show the categories of a group, from the inert <template> the server wrote for it. */
function showGroup(form, code) {
  const area = form.querySelector("[data-categories]");
  if (area.querySelector("[data-categories-of]")?.dataset.categoriesOf === code) return;
  const template = [...form.querySelectorAll("template[data-group-categories]")].find((t) => t.dataset.groupCategories === code);
  if (template) area.replaceChildren(template.content.cloneNode(true));
  else area.replaceChildren();
  form.elements.shown_group.value = code;
}

/** Show the whole step at once and post it, as the page after the group choice does without JavaScript. */
function enhance(form) {
  const rest = form.querySelector("[data-step-rest]");
  rest.hidden = false;
  for (const control of rest.querySelectorAll("input, select")) control.disabled = false;
  form.method = "post";
  form.action = form.dataset.details;
  form.querySelector('button[name="step"]')?.removeAttribute("name"); // the no-JavaScript group form's marker
  form.addEventListener("change", (event) => {
    if (event.target.name === "group") showGroup(form, event.target.value);
  });
  const chosen = form.querySelector('input[name="group"]:checked');
  if (chosen) showGroup(form, chosen.value);
}

const form = document.getElementById("step1-form");
if (form) enhance(form);
