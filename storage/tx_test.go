package storage_test

import (
	"context"
	"errors"
	"testing"

	"whatmatters/flows"
	"whatmatters/storage"
	"whatmatters/storage/storagetest"
)

func TestInTx(t *testing.T) {
	t.Parallel()
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := t.Context()
		boom := errors.New("boom")

		t.Run("rollback leaves nothing", func(t *testing.T) {
			var caseID int64
			err := db.InTx(ctx, func(s flows.Store) error {
				mustTeam(t, s, "TX")
				caseID = mustCase(t, s, "TX", "Mrs B").ID
				if _, err := s.GetCase(ctx, caseID); err != nil {
					t.Errorf("the transaction does not see its own write: %v", err)
				}
				return boom
			})
			if err != boom {
				t.Fatalf("InTx = %v, want fn's error as it is", err)
			}
			_, err = db.GetTeam(ctx, "TX")
			wantErr(t, err, flows.ErrNotFound)
			_, err = db.GetCase(ctx, caseID)
			wantErr(t, err, flows.ErrNotFound)
		})

		t.Run("commit", func(t *testing.T) {
			err := db.InTx(ctx, func(s flows.Store) error {
				mustTeam(t, s, "T1")
				mustCase(t, s, "T1", "Mrs B")
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.CaseByLabel(ctx, "T1", "mrs b"); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("panic rolls back", func(t *testing.T) {
			func() {
				defer func() {
					if recover() == nil {
						t.Error("the panic was swallowed")
					}
				}()
				_ = db.InTx(ctx, func(s flows.Store) error {
					mustCase(t, s, "T1", "Mr Panic")
					panic("boom")
				})
			}()
			_, err := db.CaseByLabel(ctx, "T1", "Mr Panic")
			wantErr(t, err, flows.ErrNotFound)
			// The database is usable afterwards.
			if err := db.Ping(ctx); err != nil {
				t.Fatal(err)
			}
		})

		t.Run("nested", func(t *testing.T) {
			err := db.InTx(ctx, func(outer flows.Store) error {
				mustCase(t, outer, "T1", "Outer")
				if err := outer.Ping(ctx); err != nil {
					t.Errorf("Ping inside a transaction: %v", err)
				}
				err := outer.InTx(ctx, func(inner flows.Store) error {
					if _, err := inner.CaseByLabel(ctx, "T1", "Outer"); err != nil {
						t.Errorf("nested InTx does not see the outer write: %v", err)
					}
					mustCase(t, inner, "T1", "Inner")
					return inner.InTx(ctx, func(innermost flows.Store) error {
						mustCase(t, innermost, "T1", "Innermost")
						return nil
					})
				})
				if err != nil {
					return err
				}
				if _, err := outer.CaseByLabel(ctx, "T1", "Innermost"); err != nil {
					t.Errorf("outer does not see the nested write: %v", err)
				}
				// From another connection, nothing is visible yet (on SQLite
				// in memory there is no other connection to ask).
				return boom
			})
			if err != boom {
				t.Fatalf("InTx = %v, want %v", err, boom)
			}
			for _, label := range []string{"Outer", "Inner", "Innermost"} {
				_, err := db.CaseByLabel(ctx, "T1", label)
				wantErr(t, err, flows.ErrNotFound)
			}
		})

		t.Run("a failed nested step undoes only itself", func(t *testing.T) {
			err := db.InTx(ctx, func(outer flows.Store) error {
				mustCase(t, outer, "T1", "Kept")
				err := outer.InTx(ctx, func(inner flows.Store) error {
					mustCase(t, inner, "T1", "Undone")
					// A statement the database refuses: on PostgreSQL this
					// would end the transaction but for the savepoint.
					_, err := inner.CreateReflection(ctx, newReflection("T1", 999999, "C1", "", t0))
					return err
				})
				wantErr(t, err, flows.ErrNotFound)
				mustCase(t, outer, "T1", "After")
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for label, want := range map[string]error{"Kept": nil, "Undone": flows.ErrNotFound, "After": nil} {
				_, err := db.CaseByLabel(ctx, "T1", label)
				if !errors.Is(err, want) {
					t.Errorf("case %q: %v, want %v", label, err, want)
				}
			}
		})

		t.Run("conflict keeps the transaction usable", func(t *testing.T) {
			err := db.InTx(ctx, func(s flows.Store) error {
				_, err := s.CreateCase(ctx, flows.Case{TeamID: "T1", Label: "MRS B"})
				wantErr(t, err, flows.ErrConflict)
				if _, err := s.CaseByLabel(ctx, "T1", "Mrs B"); err != nil {
					return err
				}
				mustCase(t, s, "T1", "Mr D")
				r := mustReflection(t, s, newReflection("T1", 0, "C1", "42", t0))
				_, err = s.CreateReflection(ctx, newReflection("T1", 0, "C1", "42", t0))
				wantErr(t, err, flows.ErrConflict)
				_, err = s.GetReflection(ctx, r.ID)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.CaseByLabel(ctx, "T1", "Mr D"); err != nil {
				t.Error(err)
			}
		})

		t.Run("canceled context", func(t *testing.T) {
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			err := db.InTx(cctx, func(s flows.Store) error {
				t.Error("fn ran with a canceled context")
				return nil
			})
			if !errors.Is(err, context.Canceled) {
				t.Errorf("InTx with a canceled context = %v, want context.Canceled", err)
			}
		})
	})
}
