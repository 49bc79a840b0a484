// Catálogo: choosing a file fills the textarea the form posts (data-preenche names it); pasting
// the content by hand works the same without this script.
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!input || !input.dataset || !input.dataset.preenche || !input.files || !input.files[0]) return;
  var target = document.getElementById(input.dataset.preenche);
  var format = document.getElementById("formato");
  var name = input.files[0].name.toLowerCase();
  input.files[0].text().then(function (text) {
    target.value = text;
    if (format && /\.(json|csv|xml)$/.test(name)) format.value = name.split(".").pop();
  });
});
