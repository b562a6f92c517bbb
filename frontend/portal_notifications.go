package frontend

import (
	"log/slog"
	"net/http"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/frontend/views"
	"github.com/slipwayhq/slipway/notifications"
)

// notificationsPageSize bounds the notifications page: the newest ones.
const notificationsPageSize = 100

// inbox is the users' in-app notifications.
func (s *Server) inbox() notifications.Inbox { return notifications.Inbox{Q: s.Store.Q} }

// notificationsPage lists the signed-in user's notifications.
func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request, shell views.Shell) error {
	shell.Title = "Notifications"
	list, err := s.inbox().List(r.Context(), currentUser(r.Context()).ID, notificationsPageSize)
	if err != nil {
		return err
	}
	out := make([]views.NotificationRow, len(list))
	for i, n := range list {
		out[i] = views.NotificationRow{Title: n.Title, Body: n.Body, RunID: n.RunID, At: n.At, Unread: !n.Read}
	}
	return render(w, r, http.StatusOK, views.NotificationsPage(shell, out))
}

// markNotificationsRead marks every notification of the user as read.
func (s *Server) markNotificationsRead(w http.ResponseWriter, r *http.Request, _ views.Shell) error {
	if err := s.inbox().MarkAllRead(r.Context(), currentUser(r.Context()).ID); err != nil {
		return err
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
	return nil
}

// unread counts the user's unread notifications for the header; the
// header is no place to fail a page, so an error counts as none.
func (s *Server) unread(r *http.Request) int64 {
	me, ok := slipway.UserFrom(r.Context())
	if !ok || s.Store == nil {
		return 0
	}
	n, err := s.inbox().Unread(r.Context(), me.ID)
	if err != nil {
		slog.WarnContext(r.Context(), "count unread notifications", "err", err)
		return 0
	}
	return n
}
