// A whistle's progress and done forms (进展, 办结申报): the chosen photos are sent to /api/v1/photos
// first (as their raw bytes, with the session's CSRF token), their SHA-256 added to the form's
// photo list, then the form goes. Without scripts the form still goes, with the list as typed.
(function () {
  'use strict'
  if (!window.fetch) return
  document.querySelectorAll('input[type=file][data-photos]').forEach(function (files) {
    var form = files.form
    var list = form.querySelector('textarea[name=photos]')
    var status = form.querySelector('.photo-status')
    var csrf = form.querySelector('input[name=_csrf]').value
    var sending = false
    function say (text) { status.textContent = text }
    function upload (file) {
      return fetch('/api/v1/photos', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': file.type || 'application/octet-stream', 'x-csrf-token': csrf, accept: 'application/json' },
        body: file,
      }).then(function (res) {
        return res.json().then(function (body) {
          if (!res.ok) throw new Error(file.name + ': ' + (body.message || body.code || res.status))
          list.value = (list.value.trim() ? list.value.trim() + '\n' : '') + body.sha256
        })
      })
    }
    form.addEventListener('submit', function (event) {
      if (!files.files.length) return
      event.preventDefault()
      if (sending) return
      sending = true
      var chosen = Array.prototype.slice.call(files.files)
      var chain = Promise.resolve()
      chosen.forEach(function (file, i) {
        chain = chain.then(function () {
          say(form.getAttribute('data-msg-uploading').replace('{0}', i + 1).replace('{1}', chosen.length))
          return upload(file)
        })
      })
      chain.then(function () {
        files.value = ''
        form.submit()
      }, function (err) {
        say(err.message)
        sending = false
      })
    })
  })
})()
