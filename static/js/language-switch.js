// Submit the language form as soon as a language is picked (CSP forbids inline handlers).
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select) {
    select.form.submit();
  }
});
