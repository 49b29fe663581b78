//! `qingtuan backup FILE` and `qingtuan restore FILE --data-dir DIR`.
//!
//! A backup is one file: a short text header — the format, the database kind, the master key
//! sealed under a passphrase (never in clear), the key's check value, the payload's size and
//! SHA-256 — then, for SQLite, a consistent online snapshot of the database (`VACUUM INTO`, taken
//! while the server runs). For PostgreSQL it holds the key part only; the data goes through
//! `pg_dump` beside it (README, "Backup and restore").

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use sha2::{Digest, Sha256};

use crate::config::{DbArgs, Settings, write_private};

const MAGIC: &str = "QINGTUAN-BACKUP 1";
/// The shortest passphrase accepted for sealing the key.
const MIN_PASSPHRASE: usize = 12;

#[derive(Debug, Clone, Args)]
pub struct BackupArgs {
    /// The backup file to write (it must not exist yet).
    pub file: PathBuf,
    /// Read the passphrase from this file instead of standard input.
    #[arg(long)]
    pub passphrase_file: Option<PathBuf>,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Clone, Args)]
pub struct RestoreArgs {
    /// The backup file.
    pub file: PathBuf,
    /// A new or empty directory to restore the embedded database and its key into.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// For a PostgreSQL backup: print the master key (for QINGTUAN_SECRET_KEY) and exit.
    #[arg(long)]
    pub print_key: bool,
    /// Read the passphrase from this file instead of standard input.
    #[arg(long)]
    pub passphrase_file: Option<PathBuf>,
}

fn read_passphrase(file: Option<&Path>) -> anyhow::Result<String> {
    let raw = match file {
        Some(path) => std::fs::read_to_string(path).with_context(|| format!("无法读取口令文件 {}", path.display()))?,
        None => {
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).context("无法从标准输入读取口令")?;
            line
        }
    };
    Ok(raw.trim_end_matches(['\r', '\n']).to_owned())
}

pub async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    if args.file.exists() {
        bail!("备份文件 {} 已存在，不会覆盖", args.file.display());
    }
    let settings = Settings::load(&args.db, None)?;
    let master = settings.master_key()?;
    // Opening checks that the key is this database's.
    let app = crate::open(&settings).await?;
    let passphrase = read_passphrase(args.passphrase_file.as_deref())?;
    if passphrase.chars().count() < MIN_PASSPHRASE {
        bail!("口令至少需要 {MIN_PASSPHRASE} 个字符（它保护备份中的密钥）");
    }
    let master_bytes = qingtuan_app::crypto::Keys::decode_master(&master).map_err(crate::explain)?;
    let sealed = qingtuan_app::crypto::seal_with_passphrase(&master_bytes, &passphrase).map_err(crate::explain)?;

    let partial = with_suffix(&args.file, ".partial");
    let snapshot = with_suffix(&args.file, ".snapshot");
    let _ = std::fs::remove_file(&snapshot);
    let kind = if settings.is_postgres() { "postgresql" } else { "sqlite" };
    let (size, digest) = if kind == "sqlite" {
        qingtuan_app::db::snapshot_into(app.writer(), &snapshot)
            .await
            .with_context(|| format!("无法写入数据库快照 {}", snapshot.display()))?;
        digest_of(&snapshot)?
    } else {
        (0, hex_digest(Sha256::new()))
    };
    app.close().await;
    let header = format!(
        "{MAGIC}\ndatabase: {kind}\ncreated: {}\nkey: {sealed}\nkey-check: {}\nsize: {size}\nsha256: {digest}\n\n",
        chrono::Utc::now().to_rfc3339(),
        app.keys.check_value(),
    );
    let written = (|| -> std::io::Result<()> {
        let mut out = std::fs::File::create(&partial)?;
        out.write_all(header.as_bytes())?;
        if kind == "sqlite" {
            std::io::copy(&mut std::fs::File::open(&snapshot)?, &mut out)?;
        }
        out.sync_all()?;
        std::fs::rename(&partial, &args.file)
    })();
    let _ = std::fs::remove_file(&snapshot);
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(e).with_context(|| format!("无法写入备份文件 {}", args.file.display()));
    }
    if kind == "sqlite" {
        println!("已备份到 {}（数据库快照 {size} 字节；密钥已用口令加密）", args.file.display());
    } else {
        println!(
            "已把密钥（用口令加密）备份到 {}；PostgreSQL 的数据请用 pg_dump 备份（见 README“Backup and restore”）",
            args.file.display()
        );
    }
    Ok(())
}

pub async fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    let file = std::fs::File::open(&args.file).with_context(|| format!("无法读取备份文件 {}", args.file.display()))?;
    let mut reader = BufReader::new(file);
    let header = read_header(&mut reader).with_context(|| format!("{} 不是青团备份文件", args.file.display()))?;
    let field = |name: &str| {
        header
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| anyhow::anyhow!("备份文件缺少 {name}"))
    };
    let kind = field("database")?;
    let passphrase = read_passphrase(args.passphrase_file.as_deref())?;
    let master = qingtuan_app::crypto::open_with_passphrase(&field("key")?, &passphrase)
        .map_err(crate::explain)?
        .ok_or_else(|| anyhow::anyhow!("口令不正确，或备份文件已损坏：无法取出密钥"))?;
    let master: [u8; 32] = master.try_into().map_err(|_| anyhow::anyhow!("备份中的密钥长度不对"))?;
    let keys = qingtuan_app::crypto::Keys::from_master(&master);
    if keys.check_value() != field("key-check")? {
        bail!("备份中的密钥与其校验值不符：备份文件已损坏");
    }
    let encoded = base64_url(&master);
    if args.print_key {
        println!("{encoded}");
        return Ok(());
    }
    if kind != "sqlite" {
        bail!("这是 PostgreSQL 的密钥备份：数据用 pg_restore 恢复，密钥用 --print-key 取出后设为 QINGTUAN_SECRET_KEY");
    }
    let Some(dir) = args.data_dir else { bail!("请用 --data-dir 指定一个新的（或空的）数据目录") };
    if std::fs::read_dir(&dir).is_ok_and(|mut entries| entries.next().is_some()) {
        bail!("数据目录 {} 不是空的：恢复只写入新的或空的目录，不会覆盖现有数据", dir.display());
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("无法创建数据目录 {}", dir.display()))?;
    let database = dir.join("qingtuan.sqlite");
    let expected_size: u64 = field("size")?.parse().context("备份文件的 size 无效")?;
    let (size, digest) = (|| -> std::io::Result<(u64, String)> {
        let mut out = std::fs::File::create(&database)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0_u8; 1 << 16];
        let mut size = 0_u64;
        loop {
            let n = reader.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n])?;
            size += n as u64;
        }
        out.sync_all()?;
        Ok((size, hex_digest(hasher)))
    })()
    .with_context(|| format!("无法写入 {}", database.display()))?;
    if size != expected_size || digest != field("sha256")? {
        let _ = std::fs::remove_file(&database);
        bail!("备份文件已损坏（数据库部分的长度或校验和不符），未恢复任何数据");
    }
    write_private(&dir.join("secret.key"), &encoded)?;
    let db = DbArgs { data_dir: Some(dir.clone()), database_url: None, config: None, secret_key: None };
    let settings = Settings::load(&db, None)?;
    let app = crate::open(&settings).await?;
    let integrity = qingtuan_app::db::integrity_check(&app.db).await.map_err(|e| anyhow::anyhow!(e))?;
    app.close().await;
    if let Some(problem) = integrity.filter(|i| i != "ok") {
        bail!("恢复后的数据库完整性检查未通过：{problem}");
    }
    println!("已恢复到 {}（数据库 {size} 字节，完整性检查通过，密钥已写入 secret.key）", dir.display());
    Ok(())
}

/// `name: value` lines up to the first empty line, after the magic line.
fn read_header(reader: &mut impl BufRead) -> anyhow::Result<Vec<(String, String)>> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    if line.trim_end() != MAGIC {
        bail!("文件头不对");
    }
    let mut fields = Vec::new();
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            bail!("文件头不完整");
        }
        let text = line.trim_end();
        if text.is_empty() {
            return Ok(fields);
        }
        let (k, v) = text.split_once(": ").ok_or_else(|| anyhow::anyhow!("文件头行无效"))?;
        fields.push((k.to_owned(), v.to_owned()));
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn digest_of(path: &Path) -> anyhow::Result<(u64, String)> {
    let mut file = std::fs::File::open(path).with_context(|| format!("无法读取 {}", path.display()))?;
    let mut hasher = Sha256::new();
    let size = std::io::copy(&mut file, &mut hasher).with_context(|| format!("无法读取 {}", path.display()))?;
    Ok((size, hex_digest(hasher)))
}

fn hex_digest(hasher: Sha256) -> String {
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
