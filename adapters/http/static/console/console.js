// After HTMX swaps in an answer, move the keyboard focus to it: the first field with an error,
// or else the result. (A file served by the app: the console's CSP allows no inline script.)
document.addEventListener("htmx:afterSettle", function (event) {
  var target = event.detail && event.detail.target;
  if (!target) return;
  var focus = target.querySelector("[aria-invalid='true']") || target.querySelector(".resultado");
  if (focus) focus.focus();
});

// A refused HTMX request (base.html swaps only 2xx/3xx/422/503) must not leave the page silent:
// say in Portuguese what happened and what to do, next to the form that sent it. Nothing typed
// is replaced. The server's own message (an element with data-mensagem-erro) wins over these.
var MENSAGENS = {
  403: "Sua sessão mudou (por exemplo, você entrou de novo em outra aba) ou este formulário expirou. Recarregue a página e envie de novo.",
  404: "Não encontrado: o item pode ter mudado ou sido removido. Recarregue a página.",
  409: "O item mudou enquanto você o editava. Recarregue a página para ver o estado atual.",
  413: "Texto grande demais para enviar. Encurte os campos e envie de novo.",
  415: "Formato de envio não aceito. Recarregue a página e envie de novo.",
  429: "Muitas requisições; tente de novo em instantes."
};

function mensagemDoServidor(xhr) {
  var type = xhr.getResponseHeader("Content-Type") || "";
  if (type.indexOf("text/html") !== 0 || !xhr.responseText) return null;
  var doc = new DOMParser().parseFromString(xhr.responseText, "text/html"); // parsed, never run
  var found = doc.querySelector("[data-mensagem-erro]");
  return found ? found.textContent.trim() : null;
}

function mensagemDeErro(xhr) {
  var status = xhr.status;
  var own = mensagemDoServidor(xhr);
  if (own) return own;
  if (MENSAGENS[status]) return MENSAGENS[status];
  if (status >= 500) return "Erro interno do servidor; tente de novo em instantes. Se persistir, avise o suporte.";
  return "O servidor recusou o pedido (código " + status + "). Recarregue a página e tente de novo.";
}

function origem(elt) {
  return (elt && elt.closest && elt.closest("form")) || elt;
}

function mostrarErro(elt, texto) {
  var anchor = origem(elt);
  if (!anchor || !anchor.parentNode) return;
  limparErro(elt);
  var aviso = document.createElement("p");
  aviso.className = "erro erro-envio";
  aviso.setAttribute("role", "alert");
  aviso.textContent = texto;
  anchor.parentNode.insertBefore(aviso, anchor.nextSibling);
}

function limparErro(elt) {
  var anchor = origem(elt);
  var next = anchor && anchor.nextElementSibling;
  if (next && next.classList.contains("erro-envio")) next.remove();
}

document.addEventListener("htmx:beforeRequest", function (event) {
  limparErro(event.detail.elt);
});
document.addEventListener("htmx:responseError", function (event) {
  mostrarErro(event.detail.elt, mensagemDeErro(event.detail.xhr));
});
document.addEventListener("htmx:sendError", function (event) {
  mostrarErro(event.detail.elt, "Sem resposta do servidor. Verifique a conexão e tente de novo.");
});
document.addEventListener("htmx:timeout", function (event) {
  mostrarErro(event.detail.elt, "O servidor demorou demais para responder. Tente de novo em instantes.");
});
