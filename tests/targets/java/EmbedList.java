import java.io.BufferedReader;
import java.io.DataOutputStream;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.FileReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.edgeface.EdgefaceException;
import org.edgeface.EdgefaceModel;
import org.edgeface.ModelSpec;

/**
 * Host test driver of the Java API (ByteBuffer paths only; no Android classes):
 *   java EmbedList SPEC_CLASS PARAM_BIN BIN LIST OUT
 * SPEC_CLASS: a generated constants class (its static SPEC). LIST and OUT as the C++ test
 * driver edgeface-embed reads and writes them (targets/cpp/tools/edgeface_embed.cpp): one
 * line per image, `raw width height stride format [10 landmark numbers]`; OUT float32 rows
 * (zeros where embed failed). stdout: `ok` or `error <status> <message>` per image.
 */
public final class EmbedList {
    static ByteBuffer readDirect(String file) throws IOException {
        try (FileChannel ch = FileChannel.open(Path.of(file), StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocateDirect((int) ch.size());
            while (b.hasRemaining() && ch.read(b) >= 0) { }
            return b.flip();
        }
    }

    static int format(String f) {
        switch (f) {
            case "rgb": return EdgefaceModel.RGB;
            case "bgr": return EdgefaceModel.BGR;
            case "rgba": return EdgefaceModel.RGBA;
            case "bgra": return EdgefaceModel.BGRA;
            case "nv21": return EdgefaceModel.NV21;
            default: return Integer.parseInt(f);
        }
    }

    public static void main(String[] args) throws Exception {
        ModelSpec spec = (ModelSpec) Class.forName(args[0]).getField("SPEC").get(null);
        int n = 0;
        try (EdgefaceModel model = EdgefaceModel.load(readDirect(args[1]), readDirect(args[2]), spec);
             BufferedReader list = new BufferedReader(new FileReader(args[3]));
             DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(args[4])))) {
            ByteBuffer row = ByteBuffer.allocate(4 * model.embeddingSize()).order(ByteOrder.LITTLE_ENDIAN);
            for (String line; (line = list.readLine()) != null; ) {
                if (line.isEmpty()) continue;
                String[] t = line.trim().split("\\s+");
                float[] lm = null;
                if (t.length == 15) {
                    lm = new float[10];
                    for (int i = 0; i < 10; i++) lm[i] = Float.parseFloat(t[5 + i]);
                }
                float[] e;
                try {
                    e = model.embed(readDirect(t[0]), Integer.parseInt(t[1]), Integer.parseInt(t[2]), Integer.parseInt(t[3]), format(t[4]), lm);
                    System.out.println("ok");
                } catch (EdgefaceException ex) {
                    System.out.println("error " + ex.status() + " " + ex.getMessage());
                    e = new float[model.embeddingSize()];
                }
                row.clear();
                for (float v : e) row.putFloat(v);
                out.write(row.array());
                n++;
            }
        }
        System.err.println("embedded " + n + " images");
    }
}
