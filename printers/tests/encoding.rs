//! The printouts, end to end: snapshots of what each layout says at 32/42/48 columns, the
//! bytes of one short document, code page transcoding, and — the acceptance point — the bytes
//! decoded again by an independent ESC/POS parser (npos, `support/decode.js`) and compared
//! with the text preview.

mod support;

use comanda_printers::document::{Block, Document};
use comanda_printers::encode::{CodePage, PrinterProfile, encode};
use comanda_printers::layout::{cash_report, kitchen_ticket, receipt, test_page};
use expect_test::{Expect, expect};

use support::fixtures;
use support::npos::{self, Decoded};

fn check_text(doc: &Document, width: usize, expected: Expect) {
    expected.assert_eq(&doc.to_text(width));
}

#[test]
fn kitchen_ticket_at_42() {
    check_text(
        &kitchen_ticket(&fixtures::kitchen_ticket()),
        42,
        expect![[r#"
                          Grill
        Table Terrace 4                      #1042
        Ana                                  20:15
        COURSE 2
        ------------------------------------------
        2 × Entrecôte
            seat 1
            medium rare
            no pepper sauce
            NOTE: allergy: nuts
        1 × Dorade royale
        grillée au fenouil
            seat 2
        3 × Frites
        ------------------------------------------
        ✂ - - - - - - - - - - - - - - - - - - - -
    "#]],
    );
}

#[test]
fn kitchen_ticket_for_all_courses_at_42() {
    check_text(
        &kitchen_ticket(&fixtures::kitchen_ticket_all_courses()),
        42,
        expect![[r#"
                          Grill
        Table Terrace 4                      #1042
        Ana                                  20:15
        ALL
        ------------------------------------------
                       - course 1 -
        2 × Soupe à l'oignon
            seat 1
                       - course 2 -
        1 × Entrecôte
            seat 1
            bleu
        1 × Magret de canard
            seat 2
            NOTE: sauce on the side
        ------------------------------------------
        ✂ - - - - - - - - - - - - - - - - - - - -
    "#]],
    );
}

#[test]
fn void_ticket_at_42() {
    check_text(
        &kitchen_ticket(&fixtures::void_ticket()),
        42,
        expect![[r#"
                           VOID
                          Grill
        Table Terrace 4                      #1042
        Ana                                  20:31
        ALL
        ------------------------------------------
        VOID 1 × Dorade
        royale grillée au
        fenouil
            seat 2
        ------------------------------------------
                           VOID
        ✂ - - - - - - - - - - - - - - - - - - - -
    "#]],
    );
}

#[test]
fn reprinted_ticket_at_42() {
    check_text(
        &kitchen_ticket(&fixtures::void_ticket()).marked_reprint(),
        42,
        expect![[r#"
                         REPRINT
                           VOID
                          Grill
        Table Terrace 4                      #1042
        Ana                                  20:31
        ALL
        ------------------------------------------
        VOID 1 × Dorade
        royale grillée au
        fenouil
            seat 2
        ------------------------------------------
                           VOID
        ✂ - - - - - - - - - - - - - - - - - - - -
    "#]],
    );
}

#[test]
fn receipt_with_tax_included_at_42() {
    check_text(
        &receipt(&fixtures::receipt_inclusive()),
        42,
        expect![[r#"
                       Chez Comanda
               12 rue des Lilas, 69001 Lyon
                   Tél. 04 78 00 00 00
                  TVA FR 12 345 678 901

        Table Terrace 4                Order #1042
        3 covers                  2026-11-21 22:04
        ------------------------------------------
        2 x Entrecôte                        58.00
            medium rare
        1 x Dorade royale grillée au fenouil 24.50
        2 x Verre de Bordeaux                16.00
        1 x Crème brûlée                      COMP
        1 x Café                              2.50
        ------------------------------------------
        Subtotal                            101.00
        Discount 10% (regulars)             -10.10
        TOTAL                              90.90 €
        incl. VAT 10% on 76.50                6.95
        incl. VAT 20% on 14.40                2.40
        ------------------------------------------
        Cash                               50.00 €
          Tendered                         60.00 €
          Change                           10.00 €
        Card                               40.90 €
          Tip                               4.00 €

                   Merci et à bientôt !

            [QR: https://comanda.local/r/1042]
        ✂ - - - - - - - - - - - - - - - - - - - -
    "#]],
    );
}

#[test]
fn receipt_with_tax_excluded_at_42() {
    check_text(
        &receipt(&fixtures::receipt_exclusive()),
        42,
        expect![[r#"
                      Bistro Comanda
                      Open every day

        Table 7                        Order #1043
        Part 1 of 2
        1 cover                   2026-11-21 22:10
        ------------------------------------------
        2 x Burger                           28.00
            no onions
            extra cheese
        1 x Caesar salad                     11.50
        3 x Craft beer                       18.00
        ------------------------------------------
        Subtotal                             57.50
        Service 12.5%                         7.19
        Tax 10% on 46.69                      4.67
        Tax 20% on 18.00                      3.60
        TOTAL                              72.96 €
        ------------------------------------------
        Card                               40.00 €
        BALANCE DUE                        32.96 €

                        Thank you!
        ✂ - - - - - - - - - - - - - - - - - - - -
    "#]],
    );
}

#[test]
fn receipt_at_32() {
    check_text(
        &receipt(&fixtures::receipt_inclusive()),
        32,
        expect![[r#"
                  Chez Comanda
          12 rue des Lilas, 69001 Lyon
              Tél. 04 78 00 00 00
             TVA FR 12 345 678 901

        Table Terrace 4      Order #1042
        3 covers        2026-11-21 22:04
        --------------------------------
        2 x Entrecôte              58.00
            medium rare
        1 x Dorade royale grillée  24.50
        2 x Verre de Bordeaux      16.00
        1 x Crème brûlée            COMP
        1 x Café                    2.50
        --------------------------------
        Subtotal                  101.00
        Discount 10% (regulars)   -10.10
        TOTAL                    90.90 €
        incl. VAT 10% on 76.50      6.95
        incl. VAT 20% on 14.40      2.40
        --------------------------------
        Cash                     50.00 €
          Tendered               60.00 €
          Change                 10.00 €
        Card                     40.90 €
          Tip                     4.00 €

              Merci et à bientôt !

        [QR: https://comanda.local/r/1042]
        ✂ - - - - - - - - - - - - - - -
    "#]],
    );
}

#[test]
fn receipt_at_48() {
    check_text(
        &receipt(&fixtures::receipt_inclusive()),
        48,
        expect![[r#"
                          Chez Comanda
                  12 rue des Lilas, 69001 Lyon
                      Tél. 04 78 00 00 00
                     TVA FR 12 345 678 901

        Table Terrace 4                      Order #1042
        3 covers                        2026-11-21 22:04
        ------------------------------------------------
        2 x Entrecôte                              58.00
            medium rare
        1 x Dorade royale grillée au fenouil       24.50
        2 x Verre de Bordeaux                      16.00
        1 x Crème brûlée                            COMP
        1 x Café                                    2.50
        ------------------------------------------------
        Subtotal                                  101.00
        Discount 10% (regulars)                   -10.10
        TOTAL                                    90.90 €
        incl. VAT 10% on 76.50                      6.95
        incl. VAT 20% on 14.40                      2.40
        ------------------------------------------------
        Cash                                     50.00 €
          Tendered                               60.00 €
          Change                                 10.00 €
        Card                                     40.90 €
          Tip                                     4.00 €

                      Merci et à bientôt !

               [QR: https://comanda.local/r/1042]
        ✂ - - - - - - - - - - - - - - - - - - - - - - -
    "#]],
    );
}

#[test]
fn z_report_at_42() {
    check_text(
        &cash_report(&fixtures::z_report()),
        42,
        expect![[r#"
                         Z REPORT
                  end of drawer session
                       Chez Comanda
                     2026-11-21 23:42
        ------------------------------------------
        Opening float                     150.00 €
        ------------------------------------------
        Cash (23)                        1245.50 €
          Refunds                         -12.00 €
        Card (41)                        2310.80 €
          Tips                            185.50 €
        Total                            3556.30 €
        Total tips                        185.50 €
        ------------------------------------------
        Cash in                            50.00 €
        Cash out                          -20.00 €
        Expected cash                    1413.50 €
        Counted cash                     1411.00 €
        Difference                         -2.50 €


        Signature                 ________________
        ✂ - - - - - - - - - - - - - - - - - - - -
    "#]],
    );
}

#[test]
fn test_page_at_42() {
    let page = test_page("Grill – Epson TM-T20III", "http://comanda.local", 42, CodePage::Cp858);
    check_text(
        &page,
        42,
        expect![[r#"
                        TEST PAGE
                 Grill – Epson TM-T20III
        ------------------------------------------
        Width                           42 columns
        Code page                 CP858 (ESC t 19)
                 1         2         3         4
        123456789012345678901234567890123456789012
        ------------------------------------------
        € é è à ç ñ ü
        Bold
        Underline
        Inverse
        Double size
        ------------------------------------------
                Open Comanda on a tablet:
                   http://comanda.local
                [QR: http://comanda.local]
        ✂ - - - - - - - - - - - - - - - - - - - -
    "#]],
    );
}

/// Hex, 64 characters (32 bytes) a line.
fn hex_lines(bytes: &[u8]) -> String {
    let hex = hex::encode(bytes);
    let lines: Vec<&str> =
        hex.as_bytes().chunks(64).map(|chunk| std::str::from_utf8(chunk).expect("hex is ASCII")).collect();
    lines.join("\n") + "\n"
}

#[test]
fn bytes_of_every_block() {
    let bytes = encode(&fixtures::every_block(), &PrinterProfile { width_chars: 32, code_page: CodePage::Cp858 });
    expect![[r#"
        1b401b74131b45011d21111b6101436166820a1b45001d21001b610031207820
        42698a72652020202020202020202020202020202020342e353020d50a1b2d01
        1d42015041494420202020202020202020202020202020202020202020202020
        2020200a1b2d001d42002d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d2d
        2d2d2d2d2d2d2d2d2d2d0a0a1b61011d286b0400314132001d286b0300314306
        1d286b03003145311d286b180031503068747470733a2f2f636f6d616e64612e
        6c6f63616c1d286b03003151301d5642001b700019fa1b6100
    "#]]
    .assert_eq(&hex_lines(&bytes));
}

/// The bytes `encode` gives for `text` alone on a line, without the init and the LF.
fn text_bytes(text: &str, code_page: CodePage) -> Vec<u8> {
    let doc = Document { blocks: vec![Block::Text { text: text.into(), style: Default::default() }] };
    let bytes = encode(&doc, &PrinterProfile { width_chars: 48, code_page });
    let head = [0x1b, b'@', 0x1b, b't', code_page.escpos_number()];
    assert_eq!(bytes[..5], head, "init and code page first");
    assert_eq!(bytes.last(), Some(&b'\n'));
    bytes[5..bytes.len() - 1].to_vec()
}

#[test]
fn transcoding() {
    // (code page, input, bytes) — one row per case.
    let table: &[(CodePage, &str, &[u8])] = &[
        (CodePage::Cp858, "€", &[0xd5]),
        (CodePage::Cp858, "é", &[0x82]),
        (CodePage::Cp858, "12.34 €", b"12.34 \xd5"),
        (CodePage::Cp858, "2 × Crème brûlée", b"2 \x9e Cr\x8ame br\x96l\x82e"),
        (CodePage::Cp858, "ß £ ñ ü à è ç", b"\xe1 \x9c \xa4 \x81 \x85 \x8a \x87"),
        (CodePage::Cp858, "Ã õ ¿", &[0xc7, b' ', 0xe4, b' ', 0xa8]),
        (CodePage::Cp858, "œuf", b"oeuf"),
        (CodePage::Cp858, "Gulyás ő — ok", b"Guly\xa0s o - ok"),
        (CodePage::Cp858, "✂ 日 🍕", b"? ? ?"),
        (CodePage::Wpc1252, "€", &[0x80]),
        (CodePage::Wpc1252, "é", &[0xe9]),
        (CodePage::Wpc1252, "œ Œ", &[0x9c, b' ', 0x8c]),
        (CodePage::Wpc1252, "ß × — …", &[0xdf, b' ', 0xd7, b' ', 0x97, b' ', 0x85]),
        (CodePage::Wpc1252, "Łódź", b"L\xf3dz"),
        (CodePage::Wpc1252, "Ștefan", b"Stefan"),
        (CodePage::Wpc1252, "🍕", b"?"),
        (CodePage::Cp437, "€", b"EUR"),
        (CodePage::Cp437, "12.34 €", b"12.34 EUR"),
        (CodePage::Cp437, "é", &[0x82]),
        (CodePage::Cp437, "ß £", &[0xe1, b' ', 0x9c]),
        (CodePage::Cp437, "2 × Steak", b"2 x Steak"),
        (CodePage::Cp437, "œ Ø ø Ã", b"oe O o A"),
        (CodePage::Cp437, "ñ ü", b"\xa4 \x81"),
    ];
    for (code_page, input, bytes) in table {
        assert_eq!(text_bytes(input, *code_page), *bytes, "{input:?} on {code_page}");
    }
}

/// Lines compared modulo padding (alignment is the printer's `ESC a`; the preview pads with
/// spaces across the full width even for double-width text): runs of spaces are one, ends are
/// trimmed, and the preview's cut mark is the decoder's `<cut>`.
fn comparable(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| {
            if line.starts_with('✂') {
                "<cut>".to_owned()
            } else {
                line.split_whitespace().collect::<Vec<_>>().join(" ")
            }
        })
        .collect()
}

struct Case {
    name: &'static str,
    doc: Document,
    profile: PrinterProfile,
    /// The preview with the characters the code page lacks spelled as the printer gets them.
    spelled: &'static [(&'static str, &'static str)],
    /// Text the decoded bytes must contain (a character the code page really has).
    must_print: &'static [&'static str],
}

fn profile(width_chars: usize, code_page: CodePage) -> PrinterProfile {
    PrinterProfile { width_chars, code_page }
}

fn cases() -> Vec<Case> {
    let (cp858, wpc1252, cp437) = (CodePage::Cp858, CodePage::Wpc1252, CodePage::Cp437);
    vec![
        Case {
            name: "kitchen ticket",
            doc: kitchen_ticket(&fixtures::kitchen_ticket()),
            profile: profile(42, cp858),
            spelled: &[],
            must_print: &["2 × Entrecôte", "grillée"],
        },
        Case {
            name: "VOID ticket, reprinted",
            doc: kitchen_ticket(&fixtures::void_ticket()).marked_reprint(),
            profile: profile(32, wpc1252),
            spelled: &[],
            must_print: &["REPRINT", "VOID 1 × Dorade"],
        },
        Case {
            name: "receipt, tax included",
            doc: receipt(&fixtures::receipt_inclusive()),
            profile: profile(42, cp858),
            spelled: &[],
            must_print: &["90.90 €", "Crème brûlée", "à bientôt"],
        },
        Case {
            name: "receipt, tax excluded",
            doc: receipt(&fixtures::receipt_exclusive()),
            profile: profile(48, wpc1252),
            spelled: &[],
            must_print: &["72.96 €", "32.96 €"],
        },
        Case {
            name: "receipt on a printer without €",
            doc: receipt(&fixtures::receipt_inclusive()),
            profile: profile(48, cp437),
            spelled: &[("€", "EUR")],
            must_print: &["90.90 EUR", "Crème brûlée"],
        },
        Case {
            name: "Z report",
            doc: cash_report(&fixtures::z_report()),
            profile: profile(42, cp858),
            spelled: &[],
            must_print: &["-2.50 €"],
        },
        Case {
            name: "test page",
            doc: test_page("Grill – Epson TM-T20III", "http://comanda.local", 32, cp858),
            profile: profile(32, cp858),
            spelled: &[("–", "-")],
            must_print: &["€ é è à ç ñ ü"],
        },
        Case {
            name: "every block",
            doc: fixtures::every_block(),
            profile: profile(32, wpc1252),
            spelled: &[],
            must_print: &["Bière 4.50 €"],
        },
        Case {
            name: "drawer kick alone",
            doc: Document { blocks: vec![Block::DrawerKick] },
            profile: profile(42, cp858),
            spelled: &[],
            must_print: &[],
        },
    ]
}

#[test]
fn an_independent_decoder_reads_back_what_the_preview_shows() {
    for case in cases() {
        let name = case.name;
        let bytes = encode(&case.doc, &case.profile);
        let decoded: Decoded = npos::decode(&bytes);

        // It starts by resetting the printer and selecting the code page the text is in.
        let first: Vec<(&str, &[u8])> =
            decoded.commands().take(2).map(|c| (c.name.as_str(), c.args.as_slice())).collect();
        assert_eq!(first, [("init", &[][..]), ("code_page", &[case.profile.code_page.escpos_number()][..])], "{name}");
        assert_eq!(decoded.unknown_code_page, None, "{name}");
        // npos (with `GS ( k` added) knows every command we send.
        let unknown: Vec<&str> = decoded.commands().filter(|c| c.name == "other").map(|c| c.code.as_str()).collect();
        assert!(unknown.is_empty(), "{name}: npos does not know {unknown:?}");

        // The text is the preview's, line for line.
        let mut preview = case.doc.to_text(case.profile.width_chars);
        for (from, to) in case.spelled {
            preview = preview.replace(from, to);
        }
        let printed = decoded.printed();
        assert_eq!(comparable(&printed), comparable(&preview), "{name}: printed text differs from the preview");
        for text in case.must_print {
            assert!(comparable(&printed).iter().any(|line| line.contains(text)), "{name}: {text:?} not printed");
        }

        // Cut, drawer kick and QR code are there exactly when the document has them.
        let has = |wanted: fn(&Block) -> bool| case.doc.blocks.iter().filter(|b| wanted(b)).count();
        let count = |command: &str| decoded.commands().filter(|c| c.name == command).count();
        let cuts = decoded.commands().filter(|c| c.name == "cut" && c.args == [66, 0]).count();
        assert_eq!(cuts, has(|b| matches!(b, Block::Cut)), "{name}: partial cuts (GS V 66 0)");
        assert_eq!(count("cut"), cuts, "{name}: only partial cuts");
        let kicks = decoded.commands().filter(|c| c.name == "drawer_kick" && c.args == [0, 25, 250]).count();
        assert_eq!(kicks, has(|b| matches!(b, Block::DrawerKick)), "{name}: drawer kicks (ESC p 0 25 250)");
        let qr_codes = has(|b| matches!(b, Block::Qr { .. }));
        assert_eq!(count("qr"), 5 * qr_codes, "{name}: model, size, error level, store, print per QR code");
        if qr_codes > 0 {
            for setting in [[4, 0, 49, 65, 50, 0], [3, 0, 49, 67, 6, 0], [3, 0, 49, 69, 49, 0]] {
                let setting = &setting[..usize::from(setting[0]) + 2];
                assert!(decoded.has("qr", setting), "{name}: QR setting {setting:?}");
            }
        }

        // Stock npos has no rule for `GS ( k`: it refuses a document with a QR code outright
        // and parses the others.
        assert_eq!(decoded.added_rules, ["GS ( k"]);
        if qr_codes > 0 {
            let error = decoded.stock.error.as_deref().unwrap_or_default();
            assert!(!decoded.stock.ok && error.starts_with("Can not parse commands - [GS (]"), "{name}: {error}");
        } else {
            assert!(decoded.stock.ok, "{name}: stock npos failed: {:?}", decoded.stock.error);
        }
    }
}

#[test]
fn styles_reach_the_printer_as_commands() {
    let doc = kitchen_ticket(&fixtures::void_ticket());
    let decoded = npos::decode(&encode(&doc, &profile(42, CodePage::Cp858)));
    // (command, arguments): bold, double width and height, inverse band, centring, and back.
    let table: &[(&str, &[u8])] = &[
        ("bold", &[1]),
        ("bold", &[0]),
        ("size", &[0x11]),
        ("size", &[0x01]),
        ("size", &[0x00]),
        ("inverse", &[1]),
        ("inverse", &[0]),
        ("align", &[1]),
        ("align", &[0]),
    ];
    for (name, args) in table {
        assert!(decoded.has(name, args), "{name} {args:?} missing");
    }
    let decoded =
        npos::decode(&encode(&test_page("Bar", "http://x", 42, CodePage::Cp858), &profile(42, CodePage::Cp858)));
    assert!(decoded.has("underline", &[1]) && decoded.has("underline", &[0]), "underline on and off");
}
