// Sign-in without leaving the page on an error: the form posts to /auth/login as usual; the
// answer's error code is shown in the page's language (the messages travel in data-* attributes).
// Without scripts the form still signs in, and /auth/login sends errors back to the sign-in page.
(function () {
  'use strict'
  var form = document.getElementById('login-form')
  if (!form || !window.fetch || !window.URLSearchParams) return
  var box = document.getElementById('login-error')
  var button = form.querySelector('button[type=submit]')
  function message (code, arg) {
    var text = box.getAttribute('data-msg-' + code) || box.getAttribute('data-msg-unknown').replace('{0}', code)
    return text.replace('{0}', arg || '')
  }
  function show (text) {
    box.textContent = text
    box.focus()
  }
  form.addEventListener('submit', function (event) {
    event.preventDefault()
    var body = new URLSearchParams()
    new FormData(form).forEach(function (value, key) { if (value !== '') body.append(key, value) })
    button.disabled = true
    box.textContent = ''
    // A signed-in answer is a 303; it is not followed here (the next page loads as a navigation).
    fetch(form.action, { method: 'POST', body: body, credentials: 'same-origin', redirect: 'manual', headers: { accept: 'application/json' } })
      .then(function (res) {
        if (res.type === 'opaqueredirect' || res.ok) {
          window.location.assign(form.getAttribute('data-next') || '/')
          return
        }
        return res.json().then(function (err) {
          var arg = ''
          if (err.code === 'TB_ACCOUNT_LOCKED') {
            var m = /\d{4}-\d{2}-\d{2}T[\d:.]+Z/.exec(err.message || '')
            arg = m ? new Date(m[0]).toLocaleString() : ''
          }
          show(message(err.code || 'unknown', arg))
          if (err.code === 'TB_TOTP_REQUIRED') document.getElementById('otp').focus()
        }, function () { show(message('unknown', String(res.status))) })
      }, function () { show(box.getAttribute('data-msg-network')) })
      .then(function () { button.disabled = false }, function () { button.disabled = false })
  })
})()
